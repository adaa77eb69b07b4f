"""Hit rate at K: the share of users with at least one relevant item in the top K."""

from __future__ import annotations

import numpy as np

from ncfkit.components import Component
from ncfkit.metrics.ranking.builder import ranking_metric
from ncfkit.metrics.ranking.lists import RankedLists
from ncfkit.metrics.ranking.params import RankingParams


def hit(lists: RankedLists) -> np.ndarray:
    """Return 1 per ranking with a relevant item in its top K, else 0."""
    return lists.hits.any(axis=1).astype(np.float64)


build = ranking_metric("hr", hit)

COMPONENT = Component(
    name="hr",
    description="Hit rate at K: share of users with a relevant item in the top K",
    factory=build,
    params=RankingParams,
)
