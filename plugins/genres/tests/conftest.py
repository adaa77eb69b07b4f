"""Fixtures for the genres plugin's tests on generated data.

The real-data fixtures (`ml_latest_small`) come from the repository's root
conftest.py.
"""

from __future__ import annotations

import pandas as pd
import pytest
from ncfkit.components import FeatureContext
from ncfkit.testing import feature_context


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
    return feature_context(items, ratings, train=[0, 1, 2, 3, 4, 5])
