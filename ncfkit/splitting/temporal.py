"""Temporal split: train before one global time cutoff, then validation, then test."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ncfkit.components import Component, Split
from ncfkit.errors import DataError
from ncfkit.params import param
from ncfkit.splitting.parts import make_split

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TemporalParams:
    cutoff_fraction: float = param(
        0.8,
        "fraction of the ratings, earliest first, that fall before the cutoff; "
        "0 to cut at cutoff_timestamp instead",
    )
    cutoff_timestamp: int = param(
        0,
        "cutoff time in Unix seconds, ratings before it are train; 0 to cut at "
        "cutoff_fraction instead",
    )
    validation_fraction: float = param(
        0.5,
        "fraction of the ratings after the cutoff, earliest first, used for "
        "validation; the later rest is test",
    )
    unseen: Literal["drop", "keep"] = param(
        "drop",
        "validation and test ratings whose user or item has no rating before the "
        "cutoff: 'drop' (and count) them or 'keep' them",
    )

    def __post_init__(self) -> None:
        check_cutoff(
            cutoff_fraction=self.cutoff_fraction,
            cutoff_timestamp=self.cutoff_timestamp,
        )
        if not 0.0 <= self.validation_fraction < 1.0:
            raise ValueError(
                f"validation_fraction must be in [0, 1), got {self.validation_fraction}"
            )
        if self.unseen not in ("drop", "keep"):
            raise ValueError(f"unseen must be 'drop' or 'keep', got {self.unseen!r}")


def check_cutoff(*, cutoff_fraction: float, cutoff_timestamp: int) -> None:
    """Raise ValueError, with the fix, unless exactly one cutoff mode is set."""
    if cutoff_fraction and cutoff_timestamp:
        raise ValueError(
            f"set either cutoff_fraction or cutoff_timestamp, not both (got "
            f"cutoff_fraction={cutoff_fraction}, cutoff_timestamp={cutoff_timestamp}): "
            "set cutoff_fraction = 0 to cut at the timestamp, or cutoff_timestamp = 0 "
            "to cut at the fraction"
        )
    if not cutoff_fraction and not cutoff_timestamp:
        raise ValueError(
            "no cutoff set: give cutoff_fraction in (0, 1) or cutoff_timestamp in "
            "Unix seconds"
        )
    if not 0.0 <= cutoff_fraction < 1.0:
        raise ValueError(f"cutoff_fraction must be in (0, 1), got {cutoff_fraction}")
    if cutoff_timestamp < 0:
        raise ValueError(
            f"cutoff_timestamp must be Unix seconds above 0, got {cutoff_timestamp}"
        )


def split_temporal(
    ratings: pd.DataFrame,
    *,
    cutoff_fraction: float = 0.8,
    cutoff_timestamp: int = 0,
    validation_fraction: float = 0.5,
    unseen: Literal["drop", "keep"] = "drop",
) -> Split:
    """Train on the ratings before a global cutoff time and hold out the rest.

    With `cutoff_fraction`, the cutoff is the timestamp of the rating at that
    fraction of all ratings in time order. Ratings at the cutoff time count as after
    it, so equal timestamps never straddle it and train may fall a little short of
    the fraction. The ratings after the cutoff are cut the same way at
    `validation_fraction`: the earlier ones are validation, the later test.

    With `unseen="drop"`, held-out ratings whose user or item has no training rating
    are dropped; the split counts users with no training rating as dropped users.
    Each part lists row positions in ascending order.
    """
    check_cutoff(cutoff_fraction=cutoff_fraction, cutoff_timestamp=cutoff_timestamp)
    timestamps = ratings["timestamp"].to_numpy()
    cutoff = cutoff_timestamp or _time_at_fraction(timestamps, cutoff_fraction)
    if not (timestamps < cutoff).any():
        earliest = int(timestamps.min()) if len(timestamps) else None
        raise DataError(
            f"no rating is before the temporal cutoff {cutoff} (earliest timestamp "
            f"{earliest}): set a later cutoff_timestamp or a larger cutoff_fraction"
        )

    train = np.flatnonzero(timestamps < cutoff)
    after = np.flatnonzero(timestamps >= cutoff)
    second_cutoff = _time_at_fraction(timestamps[after], validation_fraction)
    in_validation = timestamps[after] < second_cutoff
    logger.info(
        "temporal cutoff at %d, validation/test cutoff at %d (Unix seconds)",
        cutoff,
        second_cutoff,
    )

    users = ratings["user_id"].to_numpy()
    items = ratings["item_id"].to_numpy()
    unseen_user = ~np.isin(users[after], users[train])
    unseen_item = ~np.isin(items[after], items[train])
    n_unseen_users = len(np.unique(users[after][unseen_user]))
    n_unseen_items = len(np.unique(items[after][unseen_item]))
    unseen_rows = unseen_user | unseen_item
    description = (
        f"{int(unseen_rows.sum())} validation/test ratings of {n_unseen_users} users "
        f"and {n_unseen_items} items with no rating before the cutoff"
    )
    dropped_users = 0
    reason = ""
    if unseen == "drop":
        keep = ~unseen_rows
        dropped_users = n_unseen_users
        reason = description if unseen_rows.any() else ""
    else:
        keep = np.ones(len(after), dtype=bool)
        logger.info("temporal split keeps %s", description)

    return make_split(
        "temporal",
        train=train,
        validation=after[keep & in_validation],
        test=after[keep & ~in_validation],
        n_rows=len(ratings),
        dropped_users=dropped_users,
        reason=reason,
    )


def _time_at_fraction(timestamps: np.ndarray, fraction: float) -> int:
    """Return the timestamp of the rating at `fraction` of the ratings in time order
    (the earliest for 0), or one past the latest when that place is past the end."""
    if len(timestamps) == 0:
        return 0
    place = math.floor(fraction * len(timestamps))
    if place >= len(timestamps):
        return int(timestamps.max()) + 1
    return int(np.partition(timestamps, place)[place])


def build(params: TemporalParams) -> Callable[[pd.DataFrame], Split]:
    def apply(ratings: pd.DataFrame) -> Split:
        return split_temporal(
            ratings,
            cutoff_fraction=params.cutoff_fraction,
            cutoff_timestamp=params.cutoff_timestamp,
            validation_fraction=params.validation_fraction,
            unseen=params.unseen,
        )

    return apply


COMPONENT = Component(
    name="temporal",
    description="Train before a global time cutoff; validation, then test, after it",
    factory=build,
    params=TemporalParams,
)
