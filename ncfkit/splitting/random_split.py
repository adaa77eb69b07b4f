"""Random split: all ratings shuffled together and cut by global fractions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ncfkit.components import Component, Split
from ncfkit.params import param
from ncfkit.splitting.parts import make_split
from ncfkit.splitting.ratios import check_fractions, holdout_sizes

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RandomSplitParams:
    train: float = param(0.70, "fraction of all ratings used for training")
    validation: float = param(0.15, "fraction of all ratings for validation")
    test: float = param(0.15, "fraction of all ratings for test")
    seed: int = param(42, "seed of the shuffle")

    def __post_init__(self) -> None:
        check_fractions(train=self.train, validation=self.validation, test=self.test)


def split_random(
    ratings: pd.DataFrame,
    *,
    train: float = 0.70,
    validation: float = 0.15,
    test: float = 0.15,
    seed: int = 42,
) -> Split:
    """Shuffle all ratings and cut them into train, validation and test.

    The part sizes follow `holdout_sizes` over all rows. Nothing is dropped, so a
    user or item may appear in validation or test without a training rating; the
    log counts such rows. Each part lists row positions in ascending order.
    """
    check_fractions(train=train, validation=validation, test=test)
    n_rows = len(ratings)
    n_validation, n_test = holdout_sizes(
        np.array([n_rows]), validation=validation, test=test
    )
    n_held = int(n_validation[0] + n_test[0])
    shuffled = np.random.default_rng(seed).permutation(n_rows)

    split = make_split(
        "random",
        train=np.sort(shuffled[n_held:]),
        validation=np.sort(shuffled[int(n_test[0]) : n_held]),
        test=np.sort(shuffled[: int(n_test[0])]),
        n_rows=n_rows,
    )
    _log_unseen(ratings, split)
    return split


def _log_unseen(ratings: pd.DataFrame, split: Split) -> None:
    """Log how many held-out rows have a user or item with no training rating."""
    held_out = np.concatenate([split.validation, split.test])
    for label, column in (("user", "user_id"), ("item", "item_id")):
        ids = ratings[column].to_numpy()
        unseen = ~np.isin(ids[held_out], ids[split.train])
        logger.info(
            "random split: %d validation/test ratings have a %s with no training "
            "rating",
            int(unseen.sum()),
            label,
        )


def build(params: RandomSplitParams) -> Callable[[pd.DataFrame], Split]:
    def apply(ratings: pd.DataFrame) -> Split:
        return split_random(
            ratings,
            train=params.train,
            validation=params.validation,
            test=params.test,
            seed=params.seed,
        )

    return apply


COMPONENT = Component(
    name="random",
    description="Shuffle all ratings and cut them by train/validation/test fractions",
    factory=build,
    params=RandomSplitParams,
)
