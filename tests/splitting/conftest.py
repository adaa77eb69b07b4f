"""Generated ratings for the splitter tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest


def generate_ratings(
    *, n_users: int, seed: int, min_size: int = 1, max_size: int = 40, n_items: int = 60
) -> pd.DataFrame:
    """Ratings of users with `min_size`..`max_size` ratings each, rows shuffled so a
    user's rows are interleaved with others', and user ids not in row order."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(min_size, max_size + 1, n_users)
    user_ids = rng.permutation(np.arange(1, 3 * n_users, 3))[:n_users]
    users = np.repeat(user_ids, sizes)
    n_rows = len(users)
    frame = pd.DataFrame(
        {
            "user_id": users.astype(np.int64),
            "item_id": rng.integers(1, n_items + 1, n_rows).astype(np.int64),
            "rating": rng.integers(1, 11, n_rows) / 2.0,
            # Few distinct timestamps, so ties occur.
            "timestamp": rng.integers(0, 500, n_rows).astype(np.int64) + 10**9,
        }
    )
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.fixture
def make_ratings() -> Callable[..., pd.DataFrame]:
    return generate_ratings
