from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from ncfkit.errors import ConfigError, DataError
from ncfkit.filters.min_ratings import MinRatingsParams, filter_min_ratings
from ncfkit.params import build_params
from ncfkit.registry import load_registry


def _frame(rows: list[tuple[int, int]]) -> pd.DataFrame:
    users, items = zip(*rows, strict=True)
    n = len(rows)
    return pd.DataFrame(
        {
            "user_id": np.array(users, dtype=np.int64),
            "item_id": np.array(items, dtype=np.int64),
            "rating": np.full(n, 4.0),
            "timestamp": np.arange(n, dtype=np.int64),
        }
    )


# Users 1 and 2 rate items 10 and 11; user 3 rates 10, 11 and 12; user 4 rates 12
# once. With minimums of 2: the user pass drops user 4, the item pass then drops
# item 12 (one rating left), which leaves user 3 with two ratings. User 5 rates 10
# and 13: the item pass drops 13, leaving user 5 with one rating, which only the
# iterative mode removes.
CHAIN = [
    (1, 10), (1, 11),
    (2, 10), (2, 11),
    (3, 10), (3, 11), (3, 12),
    (4, 12),
    (5, 10), (5, 13),
]  # fmt: skip


def test_one_pass_filters_users_then_items() -> None:
    kept = filter_min_ratings(_frame(CHAIN), min_user_ratings=2, min_item_ratings=2)

    pairs = list(zip(kept["user_id"], kept["item_id"], strict=True))
    assert pairs == [(1, 10), (1, 11), (2, 10), (2, 11), (3, 10), (3, 11), (5, 10)]


def test_iterative_filter_removes_users_below_minimum() -> None:
    kept = filter_min_ratings(
        _frame(CHAIN), min_user_ratings=2, min_item_ratings=2, iterative=True
    )

    pairs = list(zip(kept["user_id"], kept["item_id"], strict=True))
    assert pairs == [(1, 10), (1, 11), (2, 10), (2, 11), (3, 10), (3, 11)]


def test_one_pass_matches_value_counts_recipe(make_ratings) -> None:
    ratings = make_ratings(n_rows=20_000, n_users=400, n_items=900, seed=1)
    user_counts = ratings["user_id"].value_counts()
    step = ratings[ratings["user_id"].isin(user_counts[user_counts >= 10].index)]
    item_counts = step["item_id"].value_counts()
    expected = step[step["item_id"].isin(item_counts[item_counts >= 10].index)]

    kept = filter_min_ratings(ratings)

    assert len(kept) < len(ratings)
    assert kept.to_numpy().tolist() == expected.to_numpy().tolist()


def test_iterative_result_is_a_k_core(make_ratings) -> None:
    ratings = make_ratings(n_rows=20_000, n_users=400, n_items=900, seed=2)

    kept = filter_min_ratings(
        ratings, min_user_ratings=15, min_item_ratings=12, iterative=True
    )

    assert len(kept) > 0
    assert kept["user_id"].value_counts().min() >= 15
    assert kept["item_id"].value_counts().min() >= 12


def test_iterative_result_is_stable_subset(make_ratings) -> None:
    ratings = make_ratings(n_rows=20_000, n_users=400, n_items=900, seed=3)
    one_pass = filter_min_ratings(ratings, min_user_ratings=15, min_item_ratings=12)

    kept = filter_min_ratings(
        ratings, min_user_ratings=15, min_item_ratings=12, iterative=True
    )

    # The k-core is the largest subset meeting both minimums, so filtering it again
    # changes nothing, and it lies within the one-pass result.
    again = filter_min_ratings(
        kept, min_user_ratings=15, min_item_ratings=12, iterative=True
    )
    assert len(again) == len(kept)
    assert len(kept) <= len(one_pass)
    assert set(kept["timestamp"]) <= set(one_pass["timestamp"])


def test_filter_keeps_columns_order_and_range_index(make_ratings) -> None:
    ratings = make_ratings(n_rows=5_000, n_users=100, n_items=200, seed=4)

    kept = filter_min_ratings(ratings, min_user_ratings=5, min_item_ratings=5)

    assert list(kept.columns) == list(ratings.columns)
    assert kept.dtypes.tolist() == ratings.dtypes.tolist()
    assert isinstance(kept.index, pd.RangeIndex)
    positions = ratings.reset_index().merge(kept, on=list(ratings.columns))["index"]
    assert positions.is_monotonic_increasing


def test_filter_with_minimum_one_keeps_everything(make_ratings) -> None:
    ratings = make_ratings(n_rows=2_000, n_users=50, n_items=80, seed=5)

    kept = filter_min_ratings(ratings, min_user_ratings=1, min_item_ratings=1)

    assert kept.equals(ratings)


def test_filter_leaving_nothing_raises_data_error() -> None:
    with pytest.raises(DataError, match="lower the minimums"):
        filter_min_ratings(_frame(CHAIN), min_user_ratings=50, min_item_ratings=1)


def test_filter_logs_kept_and_dropped_counts(caplog) -> None:
    module_logger = logging.getLogger("ncfkit.filters.min_ratings")
    # Capture on the module's logger itself, because a CLI run earlier in the same
    # process may have stopped the package logger from propagating to the root.
    module_logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger=module_logger.name):
            filter_min_ratings(_frame(CHAIN), min_user_ratings=2, min_item_ratings=2)
    finally:
        module_logger.removeHandler(caplog.handler)

    assert "kept 4 of 5 users (1 dropped)" in caplog.text
    assert "kept 2 of 4 items (2 dropped)" in caplog.text
    assert "kept 7 of 10 ratings (3 dropped)" in caplog.text


@pytest.mark.parametrize("name", ["min_user_ratings", "min_item_ratings"])
def test_params_reject_minimum_below_one(name: str) -> None:
    with pytest.raises(ValueError, match=f"{name} must be at least 1"):
        MinRatingsParams(**{name: 0})


def test_registered_filter_builds_from_config_values() -> None:
    registered = load_registry(entry_points=False).get("filter", "min-ratings")
    params = build_params(
        registered.component.params,
        {"min_user_ratings": "2", "min_item_ratings": 2, "iterative": "true"},
        where="filters.min-ratings",
    )

    kept = registered.component.factory(params)(_frame(CHAIN))

    assert registered.plugin == "ncfkit"
    assert len(kept) == 6


def test_config_with_zero_minimum_names_the_component() -> None:
    with pytest.raises(ConfigError, match="filters.min-ratings.*min_user_ratings"):
        build_params(
            MinRatingsParams, {"min_user_ratings": 0}, where="filters.min-ratings"
        )
