from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from ncfkit.errors import ConfigError
from ncfkit.params import build_params
from ncfkit.splitting.per_user_ratio import PerUserRatioParams, split_per_user_ratio


def sklearn_loop(
    ratings: pd.DataFrame, *, validation: float, test: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split with two train_test_split calls per user, users in ascending order."""
    parts: tuple[list, list, list] = ([], [], [])
    positions = pd.Series(np.arange(len(ratings)), index=ratings.index)
    for _, rows in positions.groupby(ratings["user_id"]):
        rest, held_out = train_test_split(
            rows.to_numpy(), test_size=validation + test, random_state=seed
        )
        val, tested = train_test_split(
            held_out, test_size=test / (validation + test), random_state=seed
        )
        for part, chosen in zip(parts, (rest, val, tested), strict=True):
            part.append(chosen)
    return tuple(np.concatenate(part) for part in parts)


# min_size keeps every user's second train_test_split call from raising, which it
# does when its test share rounds up to the whole held-out part.
@pytest.mark.parametrize(
    ("train", "validation", "test", "seed", "min_size"),
    [
        (0.70, 0.15, 0.15, 42, 4),
        (0.70, 0.10, 0.20, 7, 20),
        (0.60, 0.30, 0.10, 0, 20),
        (0.80, 0.05, 0.15, 123, 20),
        (0.50, 0.25, 0.25, 2024, 4),
    ],
)
def test_seed_compatible_equals_sklearn_loop(
    make_ratings,
    train: float,
    validation: float,
    test: float,
    seed: int,
    min_size: int,
) -> None:
    ratings = make_ratings(n_users=300, seed=seed, min_size=min_size, max_size=90)
    expected = sklearn_loop(ratings, validation=validation, test=test, seed=seed)

    split = split_per_user_ratio(
        ratings,
        train=train,
        validation=validation,
        test=test,
        seed=seed,
        seed_compatible=True,
    )

    np.testing.assert_array_equal(split.train, expected[0])
    np.testing.assert_array_equal(split.validation, expected[1])
    np.testing.assert_array_equal(split.test, expected[2])


def test_part_sizes_follow_nested_ceilings(make_ratings) -> None:
    ratings = make_ratings(n_users=200, seed=1, min_size=3, max_size=50)

    split = split_per_user_ratio(ratings, train=0.7, validation=0.1, test=0.2)

    users = ratings["user_id"].to_numpy()
    sizes = ratings["user_id"].value_counts()
    for user, n in sizes.items():
        n_held = math.ceil((0.1 + 0.2) * n)
        n_test = math.ceil(0.2 / (0.1 + 0.2) * n_held)
        assert (users[split.test] == user).sum() == n_test, user
        assert (users[split.validation] == user).sum() == n_held - n_test, user
        assert (users[split.train] == user).sum() == n - n_held, user


def test_vectorised_sizes_equal_seed_compatible_sizes(make_ratings) -> None:
    ratings = make_ratings(n_users=300, seed=2, min_size=3, max_size=80)

    fast = split_per_user_ratio(ratings, seed=5)
    compatible = split_per_user_ratio(ratings, seed=5, seed_compatible=True)

    users = ratings["user_id"]
    for name in ("train", "validation", "test"):
        fast_counts = users.iloc[getattr(fast, name)].value_counts().sort_index()
        compatible_counts = (
            users.iloc[getattr(compatible, name)].value_counts().sort_index()
        )
        assert fast_counts.equals(compatible_counts), name


def test_per_user_fractions_within_rounding(make_ratings) -> None:
    ratings = make_ratings(n_users=200, seed=3, min_size=3, max_size=100)

    split = split_per_user_ratio(ratings, seed=3)

    users = ratings["user_id"].to_numpy()
    n = ratings["user_id"].value_counts()
    for name, fraction in (("train", 0.70), ("validation", 0.15), ("test", 0.15)):
        counts = pd.Series(users[getattr(split, name)]).value_counts()
        share = counts.reindex(n.index, fill_value=0) / n
        # Each of the two ceilings moves a part by less than one row.
        assert ((share - fraction).abs() <= 2 / n).all(), name


def test_parts_list_users_in_ascending_order(make_ratings) -> None:
    ratings = make_ratings(n_users=100, seed=4, min_size=3)

    split = split_per_user_ratio(ratings)

    users = ratings["user_id"].to_numpy()
    for name in ("train", "validation", "test"):
        assert (np.diff(users[getattr(split, name)]) >= 0).all(), name


def test_users_below_minimum_are_dropped_and_counted(make_ratings) -> None:
    ratings = make_ratings(n_users=300, seed=5, min_size=1, max_size=12)
    sizes = ratings["user_id"].value_counts()
    few = sizes[sizes < 5]

    split = split_per_user_ratio(ratings, min_user_ratings=5)

    kept = np.concatenate([split.train, split.validation, split.test])
    kept_users = set(ratings["user_id"].iloc[kept])
    assert len(few) > 0
    assert split.dropped_users == len(few)
    assert split.dropped_rows == few.sum()
    assert kept_users.isdisjoint(few.index)
    assert f"{len(few)} users with fewer than 5 ratings" in split.reason


def test_users_left_without_training_rating_are_dropped(make_ratings) -> None:
    ratings = make_ratings(n_users=100, seed=6, min_size=1, max_size=6)
    # With 60% held out, users of 1 or 2 ratings would lose every rating to it.
    sizes = ratings["user_id"].value_counts()
    no_train = sizes[sizes <= 2]

    split = split_per_user_ratio(
        ratings, train=0.4, validation=0.3, test=0.3, min_user_ratings=1
    )

    held_out = np.concatenate([split.validation, split.test])
    train_users = set(ratings["user_id"].iloc[split.train])
    assert len(no_train) > 0
    assert split.dropped_users == len(no_train)
    assert set(ratings["user_id"].iloc[held_out]) <= train_users
    assert "would all be held out" in split.reason


def test_same_seed_gives_same_split(make_ratings) -> None:
    ratings = make_ratings(n_users=100, seed=7, min_size=3)

    first = split_per_user_ratio(ratings, seed=11)
    second = split_per_user_ratio(ratings, seed=11)

    np.testing.assert_array_equal(first.train, second.train)
    np.testing.assert_array_equal(first.validation, second.validation)
    np.testing.assert_array_equal(first.test, second.test)


@pytest.mark.parametrize("seed_compatible", [False, True])
def test_different_seeds_give_different_splits(
    make_ratings, seed_compatible: bool
) -> None:
    ratings = make_ratings(n_users=100, seed=8, min_size=3)

    first = split_per_user_ratio(ratings, seed=1, seed_compatible=seed_compatible)
    second = split_per_user_ratio(ratings, seed=2, seed_compatible=seed_compatible)

    assert set(first.test) != set(second.test)


def test_zero_validation_fills_only_test(make_ratings) -> None:
    ratings = make_ratings(n_users=50, seed=9, min_size=3)

    split = split_per_user_ratio(ratings, train=0.8, validation=0.0, test=0.2)

    assert len(split.validation) == 0
    assert len(split.test) > 0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"train": 0.7, "validation": 0.2, "test": 0.2}, "must add up to 1"),
        ({"train": 0.5, "validation": 0.2, "test": 0.2}, "must add up to 1"),
        ({"train": 0.0, "validation": 0.5, "test": 0.5}, "train must be above 0"),
        ({"train": 1.0, "validation": 0.0, "test": 0.0}, r"train must be in \[0, 1\)"),
        ({"train": 1.2, "validation": -0.1, "test": -0.1}, "must be in"),
    ],
)
def test_params_reject_bad_fractions(values: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PerUserRatioParams(**values)


def test_fraction_error_names_values_and_fix() -> None:
    with pytest.raises(ValueError) as caught:
        PerUserRatioParams(train=0.7, validation=0.2, test=0.2)

    message = str(caught.value)
    assert "train=0.7, validation=0.2, test=0.2" in message
    assert "sum 1.1" in message
    assert "change them so that they add up to 1" in message


def test_fractions_within_float_tolerance_are_accepted() -> None:
    params = PerUserRatioParams(train=0.6, validation=0.3, test=0.1)

    assert params.train + params.validation + params.test != 1.0
    assert params.test == 0.1


def test_config_with_bad_fractions_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="invalid splitter.per-user-ratio"):
        build_params(
            PerUserRatioParams,
            {"train": "0.8", "validation": "0.15", "test": "0.15"},
            where="splitter.per-user-ratio",
        )


def test_params_reject_minimum_below_one() -> None:
    with pytest.raises(ValueError, match="min_user_ratings must be at least 1"):
        PerUserRatioParams(min_user_ratings=0)
