"""Recall at K: the share of a user's relevant items found in the top K."""

from __future__ import annotations

import numpy as np

from ncfkit.components import Component
from ncfkit.metrics.ranking.builder import ranking_metric
from ncfkit.metrics.ranking.lists import RankedLists
from ncfkit.metrics.ranking.params import RankingParams


def recall(lists: RankedLists) -> np.ndarray:
    """Divide the relevant items in the top K by all the user's relevant items,
    so a user with more than K of them cannot reach 1."""
    return lists.hits.sum(axis=1) / np.maximum(lists.n_relevant, 1)


build = ranking_metric("recall", recall)

COMPONENT = Component(
    name="recall",
    description="Recall at K: share of the relevant items that reach the top K",
    factory=build,
    params=RankingParams,
)
