"""Fixtures for the tags plugin's tests on generated data.

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


@pytest.fixture
def tag_context() -> FeatureContext:
    """Four rated items; item 40 has no tags and item 30 only held-out tags."""
    items = pd.DataFrame(
        {
            "item_id": [10, 20, 30, 40],
            "title": ["A", "B", "C", "D"],
            "genres": [("Comedy",), ("Drama",), (), ("Western", "Drama")],
        }
    )
    ratings = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 2, 3, 3, 1],
            "item_id": [10, 20, 20, 30, 10, 40, 30],
            "rating": [4.0, 3.0, 5.0, 2.0, 3.5, 4.5, 1.0],
            "timestamp": [100, 200, 300, 400, 500, 600, 700],
        }
    )
    tags = pd.DataFrame(
        {
            "user_id": [1, 3, 1, 2, 1, 2, 4],
            "item_id": [10, 10, 20, 20, 30, 30, 40],
            "tag": [
                "Dark  Comedy",
                " dark comedy ",
                "Slow",
                "slow burn",
                "boring",
                "boring",
                "never rated by this user",
            ],
            "timestamp": [150, 550, 190, 290, 710, 450, 650],
        }
    )
    # Held out: row 3 (user 2, item 30) and row 6 (user 1, item 30). Both tags on
    # item 30 sit on held-out pairs, so item 30 must come out untagged.
    return feature_context(items, ratings, train=[0, 1, 2, 4, 5], tags=tags)
