"""Fixtures for the genres plugin's tests on generated data.

The real-data fixtures (`ml_latest_small`) come from the repository's root
conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ncfkit.components import Dataset, FeatureContext, IdMap, Split


def make_context(
    items: pd.DataFrame, ratings: pd.DataFrame, train: list[int]
) -> FeatureContext:
    """Build a FeatureContext whose held-out rows are those not in `train`."""
    id_map = IdMap.from_ratings(ratings)
    ratings = ratings.assign(
        user_index=id_map.user_index(ratings["user_id"]),
        item_index=id_map.item_index(ratings["item_id"]),
    )
    held_out = np.setdiff1d(np.arange(len(ratings)), train)
    split = Split(
        train=np.asarray(train, dtype=np.int64),
        validation=held_out[: len(held_out) // 2],
        test=held_out[len(held_out) // 2 :],
    )
    dataset = Dataset(
        name="generated",
        path=Path("generated"),
        layout="csv",
        ratings=ratings,
        items=items,
    )
    return FeatureContext(dataset=dataset, ratings=ratings, split=split, id_map=id_map)


@pytest.fixture
def genre_context() -> FeatureContext:
    """Five rated items: one without genres, and "Western" only on a test item."""
    items = pd.DataFrame(
        {
            "item_id": [10, 20, 30, 40, 50, 60],
            "title": ["A", "B", "C", "D", "E", "never rated"],
            "genres": [
                ("Comedy", "Drama"),
                ("Drama",),
                (),
                ("Comedy",),
                ("Western", "Drama"),
                ("Musical",),
            ],
        }
    )
    ratings = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 2, 3, 3, 1],
            "item_id": [10, 20, 20, 30, 40, 10, 50],
            "rating": [4.0, 3.0, 5.0, 2.0, 3.5, 4.5, 1.0],
            "timestamp": [1, 2, 3, 4, 5, 6, 7],
        }
    )
    # Row 6 (item 50, the only Western) is held out.
    return make_context(items, ratings, train=[0, 1, 2, 3, 4, 5])
