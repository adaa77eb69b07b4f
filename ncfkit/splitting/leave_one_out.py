"""Leave-one-out split: each user's latest rating is test, the one before validation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ncfkit.components import Component, Split
from ncfkit.params import param
from ncfkit.splitting.parts import make_split


@dataclass(frozen=True)
class LeaveOneOutParams:
    min_user_ratings: int = param(
        3,
        "drop users with fewer ratings than this (at least 3: train, validation, test)",
    )

    def __post_init__(self) -> None:
        if self.min_user_ratings < 3:
            raise ValueError(
                f"min_user_ratings must be at least 3, so that every kept user keeps "
                f"a training rating besides the validation and test ones; got "
                f"{self.min_user_ratings}"
            )


def split_leave_one_out(ratings: pd.DataFrame, *, min_user_ratings: int = 3) -> Split:
    """Hold out each user's latest rating for test and the one before for validation.

    Ratings are ordered by timestamp. Equal timestamps are ordered by item_id, then
    by row position, and the last in that order counts as the latest. Users with
    fewer than `min_user_ratings` ratings are dropped. Each part lists row
    positions in ascending order.
    """
    if min_user_ratings < 3:
        raise ValueError(f"min_user_ratings must be at least 3, got {min_user_ratings}")
    n_rows = len(ratings)
    codes, _ = pd.factorize(ratings["user_id"])
    sizes = np.bincount(codes)
    kept_users = sizes >= min_user_ratings
    timestamps = ratings["timestamp"].to_numpy()
    items = ratings["item_id"].to_numpy()

    available = kept_users[codes]
    test = _latest_per_user(codes, timestamps, items, available, n_users=len(sizes))
    available[test] = False
    validation = _latest_per_user(
        codes, timestamps, items, available, n_users=len(sizes)
    )
    available[validation] = False

    too_few = int((~kept_users).sum())
    return make_split(
        "leave-one-out",
        train=np.flatnonzero(available),
        validation=np.sort(validation),
        test=np.sort(test),
        n_rows=n_rows,
        dropped_users=too_few,
        reason=f"{too_few} users with fewer than {min_user_ratings} ratings"
        if too_few
        else "",
    )


def _latest_per_user(
    codes: np.ndarray,
    timestamps: np.ndarray,
    items: np.ndarray,
    mask: np.ndarray,
    *,
    n_users: int,
) -> np.ndarray:
    """Return the position of each user's latest row among the rows in `mask`,
    ordered by (timestamp, item_id, position).

    A grouped max finds each user's latest timestamp in linear time, so only the
    rows at that timestamp need sorting, not the whole frame.
    """
    rows = np.flatnonzero(mask)
    latest = pd.Series(timestamps[rows]).groupby(codes[rows]).max()
    latest_time = np.zeros(n_users, dtype=timestamps.dtype)
    latest_time[latest.index.to_numpy()] = latest.to_numpy()
    candidates = rows[timestamps[rows] == latest_time[codes[rows]]]
    # lexsort sorts by its last key first: user, then item_id, then position.
    order = candidates[np.lexsort((candidates, items[candidates], codes[candidates]))]
    user = codes[order]
    is_last = np.ones(len(order), dtype=bool)
    is_last[:-1] = user[1:] != user[:-1]
    return order[is_last]


def build(params: LeaveOneOutParams) -> Callable[[pd.DataFrame], Split]:
    def apply(ratings: pd.DataFrame) -> Split:
        return split_leave_one_out(ratings, min_user_ratings=params.min_user_ratings)

    return apply


COMPONENT = Component(
    name="leave-one-out",
    description="Each user's latest rating is test and the one before it validation",
    factory=build,
    params=LeaveOneOutParams,
)
