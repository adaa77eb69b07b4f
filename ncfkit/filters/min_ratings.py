"""Minimum ratings per user and per item: one pass each, or a true k-core."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ncfkit.components import Component
from ncfkit.errors import DataError
from ncfkit.params import param

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MinRatingsParams:
    min_user_ratings: int = param(10, "keep users with at least this many ratings")
    min_item_ratings: int = param(10, "keep items with at least this many ratings")
    iterative: bool = param(
        False,
        "repeat both passes until no row is dropped (a true k-core); false runs one "
        "pass over users, then one over items",
    )

    def __post_init__(self) -> None:
        if self.min_user_ratings < 1:
            raise ValueError(
                f"min_user_ratings must be at least 1 (1 keeps every user), "
                f"got {self.min_user_ratings}"
            )
        if self.min_item_ratings < 1:
            raise ValueError(
                f"min_item_ratings must be at least 1 (1 keeps every item), "
                f"got {self.min_item_ratings}"
            )


def filter_min_ratings(
    ratings: pd.DataFrame,
    *,
    min_user_ratings: int = 10,
    min_item_ratings: int = 10,
    iterative: bool = False,
) -> pd.DataFrame:
    """Keep the ratings of users and items with enough ratings.

    The kept rows stay in their original order under a new RangeIndex, so the result
    is valid input for the next filter or the splitter.

    One pass drops users first and then items, so an item pass can leave some users
    below `min_user_ratings`. `iterative=True` repeats both passes until nothing
    changes, so every kept user and item meets its minimum.

    Raises DataError when no rating is left.
    """
    users, _ = pd.factorize(ratings["user_id"])
    items, _ = pd.factorize(ratings["item_id"])
    keep = np.ones(len(ratings), dtype=bool)
    passes = 0
    while True:
        passes += 1
        before = int(keep.sum())
        keep &= _has_min_count(users, keep, min_user_ratings)
        keep &= _has_min_count(items, keep, min_item_ratings)
        if not iterative or int(keep.sum()) == before:
            break

    kept = ratings[keep].reset_index(drop=True)
    _log_counts(users, items, keep, passes=passes)
    if kept.empty:
        raise DataError(
            f"no ratings left after min-ratings (min_user_ratings={min_user_ratings}, "
            f"min_item_ratings={min_item_ratings}): lower the minimums"
        )
    return kept


def _has_min_count(codes: np.ndarray, keep: np.ndarray, minimum: int) -> np.ndarray:
    """Mark the rows whose code (0..k-1) occurs at least `minimum` times among the
    kept rows."""
    n_ids = int(codes.max()) + 1 if len(codes) else 0
    counts = np.bincount(codes[keep], minlength=n_ids)
    return counts[codes] >= minimum


def _log_counts(
    users: np.ndarray, items: np.ndarray, keep: np.ndarray, *, passes: int
) -> None:
    """Log the users, items and ratings kept, from the codes of the input rows."""
    for label, codes in (("users", users), ("items", items)):
        n_ids = int(codes.max()) + 1 if len(codes) else 0
        n_kept = int(np.count_nonzero(np.bincount(codes[keep], minlength=n_ids)))
        logger.info(
            "min-ratings kept %d of %d %s (%d dropped)",
            n_kept,
            n_ids,
            label,
            n_ids - n_kept,
        )
    n_rows = len(keep)
    n_kept_rows = int(keep.sum())
    logger.info(
        "min-ratings kept %d of %d ratings (%d dropped) after %d pass(es)",
        n_kept_rows,
        n_rows,
        n_rows - n_kept_rows,
        passes,
    )


def build(params: MinRatingsParams) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def apply(ratings: pd.DataFrame) -> pd.DataFrame:
        return filter_min_ratings(
            ratings,
            min_user_ratings=params.min_user_ratings,
            min_item_ratings=params.min_item_ratings,
            iterative=params.iterative,
        )

    return apply


COMPONENT = Component(
    name="min-ratings",
    description="Keep users and items with a minimum number of ratings (or a k-core)",
    factory=build,
    params=MinRatingsParams,
)
