"""Normalised discounted cumulative gain at K, with binary relevance."""

from __future__ import annotations

import numpy as np

from ncfkit.components import Component
from ncfkit.metrics.ranking.builder import ranking_metric
from ncfkit.metrics.ranking.lists import RankedLists
from ncfkit.metrics.ranking.params import RankingParams


def ndcg_per_ranking(lists: RankedLists) -> np.ndarray:
    """Compute DCG / ideal DCG per ranking, (n,).

    DCG@K sums 1 / log2(position + 1) over the relevant items at 1-based positions
    1..K. The ideal DCG puts min(n_relevant, K) relevant items first. Rankings
    without a relevant item get 0, and the metrics skip them.
    """
    discounts = 1.0 / np.log2(np.arange(2, lists.k + 2))  # (k,)
    dcg = lists.hits @ discounts
    ideal_cumulative = np.concatenate([[0.0], np.cumsum(discounts)])  # (k + 1,)
    ideal = ideal_cumulative[np.minimum(lists.n_relevant, lists.k)]
    return np.divide(dcg, ideal, out=np.zeros_like(dcg), where=ideal > 0)


build = ranking_metric("ndcg", ndcg_per_ranking)

COMPONENT = Component(
    name="ndcg",
    description="NDCG at K with binary relevance (rating >= threshold)",
    factory=build,
    params=RankingParams,
)
