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
    # lexsort sorts by its last key first: user, then timestamp, item_id, row.
    order = np.lexsort(
        (
            np.arange(n_rows),
            ratings["item_id"].to_numpy(),
            ratings["timestamp"].to_numpy(),
            codes,
        )
    )
    user = codes[order]
    # Places counted back from each user's latest rating: 0 is the latest.
    ends = np.cumsum(sizes)
    from_end = ends[user] - 1 - np.arange(n_rows)
    kept = (sizes >= min_user_ratings)[user]
    too_few = int((sizes < min_user_ratings).sum())

    return make_split(
        "leave-one-out",
        train=np.sort(order[kept & (from_end >= 2)]),
        validation=np.sort(order[kept & (from_end == 1)]),
        test=np.sort(order[kept & (from_end == 0)]),
        n_rows=n_rows,
        dropped_users=too_few,
        reason=f"{too_few} users with fewer than {min_user_ratings} ratings"
        if too_few
        else "",
    )


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
