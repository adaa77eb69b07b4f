"""Per-user ratio split: each user's ratings are shuffled and cut by fractions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ncfkit.components import Component, Split
from ncfkit.params import param
from ncfkit.splitting.parts import make_split
from ncfkit.splitting.ratios import check_fractions, holdout_sizes


@dataclass(frozen=True)
class PerUserRatioParams:
    train: float = param(0.70, "fraction of each user's ratings used for training")
    validation: float = param(0.15, "fraction of each user's ratings for validation")
    test: float = param(0.15, "fraction of each user's ratings for test")
    seed: int = param(42, "seed of the shuffle within each user")
    seed_compatible: bool = param(
        False,
        "shuffle each user like two nested scikit-learn train_test_split calls with "
        "random_state=seed, so the parts equal those of that per-user loop (slower)",
    )
    min_user_ratings: int = param(3, "drop users with fewer ratings than this")

    def __post_init__(self) -> None:
        check_fractions(train=self.train, validation=self.validation, test=self.test)
        if self.min_user_ratings < 1:
            raise ValueError(
                f"min_user_ratings must be at least 1, got {self.min_user_ratings}"
            )


def split_per_user_ratio(
    ratings: pd.DataFrame,
    *,
    train: float = 0.70,
    validation: float = 0.15,
    test: float = 0.15,
    seed: int = 42,
    seed_compatible: bool = False,
    min_user_ratings: int = 3,
) -> Split:
    """Split each user's ratings into train, validation and test by fractions.

    A user with n ratings holds out ceil((validation + test) * n) of them, of which
    ceil(test / (validation + test) * held_out) go to test and the rest to
    validation (see `holdout_sizes`). Users with fewer than `min_user_ratings`
    ratings, or with none left for training, are dropped.

    Each part lists row positions by ascending user_id and, within a user, in
    shuffled order. With `seed_compatible`, that order and the parts equal those
    of this scikit-learn loop, users in ascending user_id order and each user's rows
    in row order::

        rest, held_out = train_test_split(rows, test_size=validation + test,
                                          random_state=seed)
        val, test = train_test_split(held_out, test_size=test / (validation + test),
                                     random_state=seed)

    NOTE: where scikit-learn raises (a held-out part of one row, or validation=0),
    `seed_compatible` carries on with the same sizes and permutations instead.
    """
    check_fractions(train=train, validation=validation, test=test)
    # Codes number the users 0..n_users-1 in ascending user_id order.
    codes, _ = pd.factorize(ratings["user_id"], sort=True)
    sizes = np.bincount(codes)
    n_validation, n_test = holdout_sizes(sizes, validation=validation, test=test)
    n_held = n_validation + n_test
    too_few = sizes < min_user_ratings
    no_train = ~too_few & (n_held >= sizes)
    kept_users = ~too_few & ~no_train

    if seed_compatible:
        order = _order_like_sklearn(
            codes, sizes, validation=validation, test=test, seed=seed
        )
    else:
        order = _order_shuffled(codes, seed=seed)

    # Both orders group rows by user, so rank is the row's place in its user's shuffle.
    user = codes[order]
    rank = _rank_within_user(user, sizes)
    kept = kept_users[user]
    in_test = kept & (rank < n_test[user])
    in_held = kept & (rank < n_held[user])

    return make_split(
        "per-user-ratio",
        train=order[kept & ~in_held],
        validation=order[in_held & ~in_test],
        test=order[in_test],
        n_rows=len(ratings),
        dropped_users=int((~kept_users).sum()),
        reason=_drop_reason(
            int(too_few.sum()), int(no_train.sum()), min_user_ratings=min_user_ratings
        ),
    )


def _order_shuffled(codes: np.ndarray, *, seed: int) -> np.ndarray:
    """Return row positions sorted by user, each user's rows in random order."""
    n_rows = len(codes)
    rng = np.random.default_rng(seed)
    # A unique int64 key per row: the user code, then a random tiebreak in
    # [0, n_rows). One argsort replaces a Python loop over users.
    key = codes.astype(np.int64) * n_rows + rng.permutation(n_rows)
    return np.argsort(key)


def _order_like_sklearn(
    codes: np.ndarray,
    sizes: np.ndarray,
    *,
    validation: float,
    test: float,
    seed: int,
) -> np.ndarray:
    """Return row positions sorted by user, each user's rows in the order that the
    nested train_test_split calls emit them: test, validation, then train.

    scikit-learn's ShuffleSplit draws `RandomState(seed).permutation(n)`, which
    depends only on n, so one rank table per distinct user size serves every user
    of that size.
    """
    by_user = np.argsort(codes, kind="stable")
    user = codes[by_user]
    place = _rank_within_user(user, sizes)

    distinct = np.unique(sizes)
    n_validation, n_test = holdout_sizes(distinct, validation=validation, test=test)
    n_held = n_validation + n_test
    tables = [
        _sklearn_ranks(int(n), int(held), int(tested), seed=seed)
        for n, held, tested in zip(distinct, n_held, n_test, strict=True)
    ]
    table = np.concatenate(tables) if tables else np.zeros(0, dtype=np.int64)
    # offsets[n] is where the table of users with n ratings starts.
    offsets = np.zeros(int(distinct.max(initial=0)) + 1, dtype=np.int64)
    offsets[distinct] = np.cumsum(distinct) - distinct
    rank = table[offsets[sizes[user]] + place]

    starts = np.cumsum(sizes) - sizes
    order = np.empty_like(by_user)
    order[starts[user] + rank] = by_user
    return order


def _sklearn_ranks(n: int, n_held: int, n_test: int, *, seed: int) -> np.ndarray:
    """Return, for each of a user's n rows in row order, its place in the output of
    the nested train_test_split calls (test rows, then validation, then train)."""
    # train_test_split returns (permutation[n_test:], permutation[:n_test]).
    first = np.random.RandomState(seed).permutation(n)
    second = np.random.RandomState(seed).permutation(n_held)
    rank = np.empty(n, dtype=np.int64)
    rank[first[n_held:]] = np.arange(n_held, n)
    # held_out = first[:n_held]; test = held_out[second[:n_test]], then validation.
    rank[first[:n_held][second]] = np.arange(n_held)
    return rank


def _rank_within_user(user: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Return each row's place among its user's rows, for rows grouped by user."""
    starts = np.cumsum(sizes) - sizes
    return np.arange(len(user)) - starts[user]


def _drop_reason(too_few: int, no_train: int, *, min_user_ratings: int) -> str:
    reasons = []
    if too_few:
        reasons.append(f"{too_few} users with fewer than {min_user_ratings} ratings")
    if no_train:
        reasons.append(f"{no_train} users whose ratings would all be held out")
    return "; ".join(reasons)


def build(params: PerUserRatioParams) -> Callable[[pd.DataFrame], Split]:
    def apply(ratings: pd.DataFrame) -> Split:
        return split_per_user_ratio(
            ratings,
            train=params.train,
            validation=params.validation,
            test=params.test,
            seed=params.seed,
            seed_compatible=params.seed_compatible,
            min_user_ratings=params.min_user_ratings,
        )

    return apply


COMPONENT = Component(
    name="per-user-ratio",
    description="Shuffle each user's ratings and cut them by train/validation/test",
    factory=build,
    params=PerUserRatioParams,
)
