"""The reference experiment's filter and split on the real ml-latest-small."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from ncfkit.filters.min_ratings import filter_min_ratings
from ncfkit.splitting.per_user_ratio import split_per_user_ratio


@pytest.fixture
def filtered(ml_latest_small: Path) -> pd.DataFrame:
    ratings = pd.read_csv(ml_latest_small / "ratings.csv").rename(
        columns={"userId": "user_id", "movieId": "item_id"}
    )
    return filter_min_ratings(ratings, min_user_ratings=10, min_item_ratings=10)


def test_min_ratings_keeps_reference_users_and_items(filtered) -> None:
    assert filtered["user_id"].nunique() == 610
    assert filtered["item_id"].nunique() == 2269


@pytest.mark.parametrize("seed_compatible", [False, True])
def test_per_user_ratio_gives_reference_sizes(filtered, seed_compatible) -> None:
    split = split_per_user_ratio(filtered, seed=42, seed_compatible=seed_compatible)

    assert len(split.train) == 56_505
    assert len(split.validation) == 12_164
    assert len(split.test) == 12_447
    assert split.dropped_rows == 0


def test_seed_compatible_split_equals_sklearn_loop(filtered) -> None:
    # The reference loop: users with at least 3 ratings, 30% held out, halved.
    positions = pd.Series(np.arange(len(filtered)), index=filtered.index)
    train, validation, test = [], [], []
    for _, rows in positions.groupby(filtered["user_id"]):
        rest, held_out = train_test_split(
            rows.to_numpy(), test_size=0.30, random_state=42
        )
        val, tested = train_test_split(held_out, test_size=0.50, random_state=42)
        train.append(rest)
        validation.append(val)
        test.append(tested)

    split = split_per_user_ratio(filtered, seed=42, seed_compatible=True)

    assert set(split.test) == set(np.concatenate(test))
    assert set(split.validation) == set(np.concatenate(validation))
    np.testing.assert_array_equal(split.train, np.concatenate(train))
