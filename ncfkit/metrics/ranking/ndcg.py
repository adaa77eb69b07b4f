"""Normalised discounted cumulative gain at K, with binary relevance."""

from __future__ import annotations

import numpy as np

from ncfkit.components import Component, EvalContext
from ncfkit.metrics.ranking.cache import ranked_lists
from ncfkit.metrics.ranking.lists import RankedLists, mean_over_users
from ncfkit.metrics.ranking.params import RankingParams, result_key
from ncfkit.metrics.residuals import MetricFunction


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


def build(params: RankingParams) -> MetricFunction:
    key = result_key(
        "ndcg", k=params.k, protocol=params.protocol, negatives=params.negatives
    )

    def ndcg(ctx: EvalContext) -> dict[str, float]:
        lists = ranked_lists(
            ctx,
            protocol=params.protocol,
            k=params.k,
            threshold=params.threshold,
            negatives=params.negatives,
        )
        return {key: mean_over_users(lists, ndcg_per_ranking(lists), metric=key)}

    return ndcg


COMPONENT = Component(
    name="ndcg",
    description="NDCG at K with binary relevance (rating >= threshold)",
    factory=build,
    params=RankingParams,
)
