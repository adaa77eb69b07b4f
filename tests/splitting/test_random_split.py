from __future__ import annotations

import math

import numpy as np
import pytest

from ncfkit.splitting.random_split import RandomSplitParams, split_random


def test_random_split_sizes_follow_global_fractions(make_ratings) -> None:
    ratings = make_ratings(n_users=100, seed=1)
    n = len(ratings)

    split = split_random(ratings, train=0.6, validation=0.3, test=0.1)

    n_held = math.ceil((0.3 + 0.1) * n)
    n_test = math.ceil(0.1 / (0.3 + 0.1) * n_held)
    assert len(split.test) == n_test
    assert len(split.validation) == n_held - n_test
    assert len(split.train) == n - n_held


def test_random_split_drops_nothing(make_ratings) -> None:
    ratings = make_ratings(n_users=100, seed=2)

    split = split_random(ratings)

    assert split.dropped_rows == 0
    assert split.dropped_users == 0


def test_random_split_parts_are_sorted(make_ratings) -> None:
    ratings = make_ratings(n_users=50, seed=3)

    split = split_random(ratings)

    for name in ("train", "validation", "test"):
        part = getattr(split, name)
        assert (np.diff(part) > 0).all(), name


def test_random_split_same_seed_same_parts(make_ratings) -> None:
    ratings = make_ratings(n_users=50, seed=4)

    first = split_random(ratings, seed=9)
    second = split_random(ratings, seed=9)

    np.testing.assert_array_equal(first.train, second.train)
    np.testing.assert_array_equal(first.validation, second.validation)
    np.testing.assert_array_equal(first.test, second.test)


def test_random_split_seeds_differ(make_ratings) -> None:
    ratings = make_ratings(n_users=50, seed=5)

    first = split_random(ratings, seed=1)
    second = split_random(ratings, seed=2)

    assert set(first.test) != set(second.test)


def test_random_split_mixes_users_across_parts(make_ratings) -> None:
    ratings = make_ratings(n_users=20, seed=6, min_size=30)

    split = split_random(ratings)

    test_users = set(ratings["user_id"].iloc[split.test])
    assert len(test_users) > 10


def test_random_params_reject_fractions_not_adding_to_one() -> None:
    with pytest.raises(ValueError, match="must add up to 1"):
        RandomSplitParams(train=0.8, validation=0.15, test=0.15)
