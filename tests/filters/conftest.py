"""Generated ratings for the filter tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest


def generate_ratings(
    *, n_rows: int, n_users: int, n_items: int, seed: int
) -> pd.DataFrame:
    """Ratings with skewed user and item popularity, so minimums drop some of each."""
    rng = np.random.default_rng(seed)
    users = np.floor(rng.pareto(1.5, n_rows) * n_users / 10).astype(np.int64) % n_users
    items = np.floor(rng.pareto(1.2, n_rows) * n_items / 10).astype(np.int64) % n_items
    frame = pd.DataFrame(
        {
            "user_id": users + 1,
            "item_id": items + 100,
            "rating": rng.integers(1, 11, n_rows) / 2.0,
            "timestamp": rng.integers(10**9, 2 * 10**9, n_rows),
        }
    )
    return frame.drop_duplicates(["user_id", "item_id"]).reset_index(drop=True)


@pytest.fixture
def make_ratings() -> Callable[..., pd.DataFrame]:
    return generate_ratings
