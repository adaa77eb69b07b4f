"""Mean reciprocal rank of the first relevant item, over the whole ranked list."""

from __future__ import annotations

import numpy as np

from ncfkit.components import Component
from ncfkit.metrics.ranking.builder import ranking_metric
from ncfkit.metrics.ranking.lists import RankedLists
from ncfkit.metrics.ranking.params import MRRParams


def reciprocal_rank(lists: RankedLists) -> np.ndarray:
    """Return 1 / rank of the best-ranked relevant item. The list is not cut at
    K, so a relevant item at rank 500 still adds 1/500."""
    return 1.0 / lists.first_rank.clip(min=1)


build = ranking_metric("mrr", reciprocal_rank, cut_at_k=False)

COMPONENT = Component(
    name="mrr",
    description="Mean reciprocal rank of the first relevant item in the ranking",
    factory=build,
    params=MRRParams,
)
