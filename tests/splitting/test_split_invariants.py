"""Invariants every built-in splitter keeps, checked through the registry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ncfkit.components import Split
from ncfkit.params import build_params
from ncfkit.registry import load_registry

# Splitter name and parameter values, as a config would give them.
CASES = [
    ("per-user-ratio", {}),
    ("per-user-ratio", {"seed_compatible": True}),
    ("per-user-ratio", {"train": 0.6, "validation": 0.3, "test": 0.1, "seed": 3}),
    ("random", {}),
    ("leave-one-out", {}),
    ("temporal", {}),
    ("temporal", {"unseen": "keep", "cutoff_fraction": 0.5}),
]
# Splitters that keep every validation and test user in train; temporal only when
# it drops unseen users, its default.
USERS_IN_TRAIN = {"per-user-ratio", "leave-one-out", "temporal"}


def _split(name: str, values: dict, ratings: pd.DataFrame) -> Split:
    component = load_registry(entry_points=False).get("splitter", name).component
    params = build_params(component.params, values, where=f"splitter.{name}")
    return component.factory(params)(ratings)


@pytest.fixture
def ratings(make_ratings) -> pd.DataFrame:
    return make_ratings(n_users=300, seed=11, min_size=1, max_size=30)


@pytest.mark.parametrize(("name", "values"), CASES)
def test_split_parts_are_disjoint(name: str, values: dict, ratings) -> None:
    split = _split(name, values, ratings)

    parts = [split.train, split.validation, split.test]
    every = np.concatenate(parts)
    assert len(np.unique(every)) == len(every)


@pytest.mark.parametrize(("name", "values"), CASES)
def test_split_parts_and_dropped_rows_cover_input(
    name: str, values: dict, ratings
) -> None:
    split = _split(name, values, ratings)

    every = np.concatenate([split.train, split.validation, split.test])
    assert len(every) + split.dropped_rows == len(ratings)
    assert every.min() >= 0
    assert every.max() < len(ratings)


@pytest.mark.parametrize(("name", "values"), CASES)
def test_split_positions_are_int64(name: str, values: dict, ratings) -> None:
    split = _split(name, values, ratings)

    for part in (split.train, split.validation, split.test):
        assert part.dtype == np.int64


@pytest.mark.parametrize(("name", "values"), CASES)
def test_split_counts_dropped_users(name: str, values: dict, ratings) -> None:
    split = _split(name, values, ratings)

    every = np.concatenate([split.train, split.validation, split.test])
    missing_users = (
        ratings["user_id"].nunique() - ratings["user_id"].iloc[every].nunique()
    )
    assert split.dropped_users >= missing_users
    assert (split.dropped_rows > 0) == bool(split.reason)


@pytest.mark.parametrize(
    ("name", "values"),
    [
        (name, values)
        for name, values in CASES
        if name in USERS_IN_TRAIN and values.get("unseen") != "keep"
    ],
)
def test_held_out_users_have_training_ratings(name: str, values: dict, ratings) -> None:
    split = _split(name, values, ratings)

    users = ratings["user_id"].to_numpy()
    train_users = set(users[split.train])
    assert set(users[split.validation]) <= train_users
    assert set(users[split.test]) <= train_users


@pytest.mark.parametrize(("name", "values"), CASES)
def test_split_is_deterministic(name: str, values: dict, ratings) -> None:
    first = _split(name, values, ratings)
    second = _split(name, values, ratings)

    np.testing.assert_array_equal(first.train, second.train)
    np.testing.assert_array_equal(first.validation, second.validation)
    np.testing.assert_array_equal(first.test, second.test)
