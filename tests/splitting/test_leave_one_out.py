from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ncfkit.errors import DataError
from ncfkit.splitting.leave_one_out import LeaveOneOutParams, split_leave_one_out


def _frame(rows: list[tuple[int, int, int]]) -> pd.DataFrame:
    users, items, times = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "user_id": np.array(users, dtype=np.int64),
            "item_id": np.array(items, dtype=np.int64),
            "rating": np.full(len(rows), 3.5),
            "timestamp": np.array(times, dtype=np.int64),
        }
    )


def test_latest_rating_is_test_and_previous_is_validation(make_ratings) -> None:
    ratings = make_ratings(n_users=200, seed=1, min_size=3)
    # Independent check: per user, the last two rows by (timestamp, item_id, row).
    ordered = ratings.reset_index().sort_values(
        ["user_id", "timestamp", "item_id", "index"]
    )
    expected_test = ordered.groupby("user_id")["index"].nth(-1)
    expected_validation = ordered.groupby("user_id")["index"].nth(-2)

    split = split_leave_one_out(ratings)

    assert sorted(split.test) == sorted(expected_test)
    assert sorted(split.validation) == sorted(expected_validation)


def test_leave_one_out_holds_one_row_per_user(make_ratings) -> None:
    ratings = make_ratings(n_users=200, seed=2, min_size=3)

    split = split_leave_one_out(ratings)

    users = ratings["user_id"].to_numpy()
    n_users = ratings["user_id"].nunique()
    assert len(split.test) == n_users
    assert len(split.validation) == n_users
    assert len(set(users[split.test])) == n_users
    assert len(set(users[split.validation])) == n_users


def test_held_out_ratings_are_not_older_than_training(make_ratings) -> None:
    ratings = make_ratings(n_users=200, seed=3, min_size=3)

    split = split_leave_one_out(ratings)

    times = ratings["timestamp"]
    latest_train = times.iloc[split.train].groupby(ratings["user_id"]).max()
    validation = times.iloc[split.validation].groupby(ratings["user_id"]).max()
    test = times.iloc[split.test].groupby(ratings["user_id"]).max()
    assert (validation >= latest_train).all()
    assert (test >= validation).all()


def test_equal_timestamps_are_ordered_by_item_then_row() -> None:
    # User 1: three ratings at time 5 with items 30, 10, 30 (rows 0, 1, 2) and one
    # earlier. Order among ties: item 10 (row 1), item 30 (row 0), item 30 (row 2).
    ratings = _frame([(1, 30, 5), (1, 10, 5), (1, 30, 5), (1, 99, 1)])

    split = split_leave_one_out(ratings)

    assert split.test.tolist() == [2]
    assert split.validation.tolist() == [0]
    assert split.train.tolist() == [1, 3]


def test_users_below_minimum_are_dropped_and_counted() -> None:
    ratings = _frame([(1, 1, 1), (1, 2, 2), (1, 3, 3), (2, 1, 1), (2, 2, 2), (3, 5, 1)])

    split = split_leave_one_out(ratings)

    assert split.dropped_users == 2
    assert split.dropped_rows == 3
    assert split.reason == "2 users with fewer than 3 ratings"
    assert split.train.tolist() == [0]


def test_higher_minimum_drops_more_users(make_ratings) -> None:
    ratings = make_ratings(n_users=200, seed=4, min_size=1, max_size=10)
    sizes = ratings["user_id"].value_counts()

    split = split_leave_one_out(ratings, min_user_ratings=6)

    assert split.dropped_users == (sizes < 6).sum()
    assert split.dropped_rows == sizes[sizes < 6].sum()


def test_params_reject_minimum_below_three() -> None:
    with pytest.raises(ValueError, match="min_user_ratings must be at least 3"):
        LeaveOneOutParams(min_user_ratings=2)


def test_no_user_with_enough_ratings_raises_data_error() -> None:
    ratings = _frame([(1, 1, 1), (1, 2, 2), (2, 3, 3)])

    with pytest.raises(DataError, match="left no training ratings"):
        split_leave_one_out(ratings)
