"""Precision at K: the share of the top K that is relevant, averaged over users."""

from __future__ import annotations

import numpy as np

from ncfkit.components import Component
from ncfkit.metrics.ranking.builder import ranking_metric
from ncfkit.metrics.ranking.lists import RankedLists
from ncfkit.metrics.ranking.params import RankingParams


def precision(lists: RankedLists) -> np.ndarray:
    """Divide the relevant items in the top K by K, also for shorter lists."""
    return lists.hits.sum(axis=1) / lists.k


build = ranking_metric("precision", precision)

COMPONENT = Component(
    name="precision",
    description="Precision at K: share of the top K items that are relevant",
    factory=build,
    params=RankingParams,
)
