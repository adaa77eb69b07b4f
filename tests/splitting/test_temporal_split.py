from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ncfkit.errors import ConfigError, DataError
from ncfkit.params import build_params
from ncfkit.splitting.temporal import TemporalParams, split_temporal


def _distinct_times(n_users: int, *, seed: int) -> pd.DataFrame:
    """Ratings of users rating items at distinct timestamps, in shuffled row order."""
    rng = np.random.default_rng(seed)
    n_rows = n_users * 20
    return pd.DataFrame(
        {
            "user_id": rng.integers(1, n_users + 1, n_rows).astype(np.int64),
            "item_id": rng.integers(1, 40, n_rows).astype(np.int64),
            "rating": np.full(n_rows, 4.0),
            "timestamp": rng.permutation(n_rows).astype(np.int64) + 10**9,
        }
    )


def test_parts_follow_each_other_in_time(make_ratings) -> None:
    ratings = make_ratings(n_users=200, seed=1)

    split = split_temporal(ratings, unseen="keep")

    times = ratings["timestamp"].to_numpy()
    assert times[split.train].max() < times[split.validation].min()
    assert times[split.validation].max() < times[split.test].min()


def test_fraction_cutoff_puts_that_share_in_train() -> None:
    ratings = _distinct_times(100, seed=2)
    n = len(ratings)

    split = split_temporal(ratings, cutoff_fraction=0.7, unseen="keep")

    n_after = n - math.floor(0.7 * n)
    assert len(split.train) == math.floor(0.7 * n)
    assert len(split.validation) == math.floor(0.5 * n_after)
    assert len(split.test) == n_after - math.floor(0.5 * n_after)


def test_ties_at_cutoff_fall_after_it(make_ratings) -> None:
    ratings = make_ratings(n_users=200, seed=3)

    split = split_temporal(ratings, cutoff_fraction=0.5, unseen="keep")

    times = ratings["timestamp"].to_numpy()
    cutoff = times[split.validation].min()
    assert len(split.train) <= 0.5 * len(ratings)
    assert (times[split.train] < cutoff).all()
    assert not (times[split.train] == cutoff).any()


def test_timestamp_cutoff_splits_at_that_time(make_ratings) -> None:
    ratings = make_ratings(n_users=200, seed=4)
    cutoff = 10**9 + 300

    split = split_temporal(
        ratings, cutoff_fraction=0.0, cutoff_timestamp=cutoff, unseen="keep"
    )

    times = ratings["timestamp"].to_numpy()
    expected_train = np.flatnonzero(times < cutoff)
    np.testing.assert_array_equal(split.train, expected_train)
    held_out = np.concatenate([split.validation, split.test])
    assert (times[held_out] >= cutoff).all()


def test_validation_fraction_zero_sends_all_later_ratings_to_test() -> None:
    ratings = _distinct_times(50, seed=5)

    split = split_temporal(ratings, validation_fraction=0.0, unseen="keep")

    assert len(split.validation) == 0
    assert len(split.test) == len(ratings) - len(split.train)


def test_unseen_drop_removes_held_out_rows_without_training_rating() -> None:
    # User 3 and item 50 only appear after the cutoff.
    ratings = pd.DataFrame(
        {
            "user_id": np.array([1, 2, 1, 2, 3, 1], dtype=np.int64),
            "item_id": np.array([10, 20, 20, 10, 10, 50], dtype=np.int64),
            "rating": np.full(6, 3.0),
            "timestamp": np.array([1, 2, 3, 4, 5, 6], dtype=np.int64),
        }
    )

    split = split_temporal(ratings, cutoff_fraction=0.0, cutoff_timestamp=3)

    assert split.train.tolist() == [0, 1]
    assert split.validation.tolist() == [2, 3]
    assert split.test.tolist() == []
    assert split.dropped_users == 1
    assert split.dropped_rows == 2
    assert "2 validation/test ratings of 1 users and 1 items" in split.reason


def test_unseen_drop_leaves_only_known_users_and_items(make_ratings) -> None:
    ratings = make_ratings(n_users=300, seed=6, max_size=8, n_items=400)

    split = split_temporal(ratings, cutoff_fraction=0.6)

    held_out = np.concatenate([split.validation, split.test])
    for column in ("user_id", "item_id"):
        known = set(ratings[column].iloc[split.train])
        assert set(ratings[column].iloc[held_out]) <= known, column
    assert split.dropped_rows > 0


def test_unseen_keep_drops_nothing(make_ratings) -> None:
    ratings = make_ratings(n_users=300, seed=6, max_size=8, n_items=400)

    split = split_temporal(ratings, cutoff_fraction=0.6, unseen="keep")

    assert split.dropped_rows == 0
    assert split.dropped_users == 0
    assert len(split.train) + len(split.validation) + len(split.test) == len(ratings)


def test_cutoff_before_every_rating_raises_data_error(make_ratings) -> None:
    ratings = make_ratings(n_users=20, seed=7)

    with pytest.raises(DataError, match="set a later cutoff_timestamp"):
        split_temporal(ratings, cutoff_fraction=0.0, cutoff_timestamp=5)


def test_params_reject_both_cutoffs() -> None:
    with pytest.raises(ValueError, match="not both") as caught:
        TemporalParams(cutoff_fraction=0.8, cutoff_timestamp=1_500_000_000)

    assert "set cutoff_fraction = 0 to cut at the timestamp" in str(caught.value)


def test_params_reject_no_cutoff() -> None:
    with pytest.raises(ValueError, match="no cutoff set"):
        TemporalParams(cutoff_fraction=0.0, cutoff_timestamp=0)


@pytest.mark.parametrize("fraction", [1.0, 1.5])
def test_params_reject_cutoff_fraction_out_of_range(fraction: float) -> None:
    with pytest.raises(ValueError, match="cutoff_fraction must be in"):
        TemporalParams(cutoff_fraction=fraction)


def test_params_reject_validation_fraction_of_one() -> None:
    with pytest.raises(ValueError, match="validation_fraction must be in"):
        TemporalParams(validation_fraction=1.0)


def test_params_accept_timestamp_mode() -> None:
    params = TemporalParams(cutoff_fraction=0.0, cutoff_timestamp=1_500_000_000)

    assert params.cutoff_timestamp == 1_500_000_000


def test_config_rejects_unknown_unseen_choice() -> None:
    with pytest.raises(ConfigError, match="'drop', 'keep'"):
        build_params(TemporalParams, {"unseen": "ignore"}, where="splitter.temporal")
