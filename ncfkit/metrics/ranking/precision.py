"""Precision at K: the share of the top K that is relevant, averaged over users."""

from __future__ import annotations

from ncfkit.components import Component, EvalContext
from ncfkit.metrics.ranking.cache import ranked_lists
from ncfkit.metrics.ranking.lists import mean_over_users
from ncfkit.metrics.ranking.params import RankingParams, result_key
from ncfkit.metrics.residuals import MetricFunction


def build(params: RankingParams) -> MetricFunction:
    key = result_key(
        "precision", k=params.k, protocol=params.protocol, negatives=params.negatives
    )

    def precision(ctx: EvalContext) -> dict[str, float]:
        """Divide the relevant items in the top K by K, also for shorter lists."""
        lists = ranked_lists(
            ctx,
            protocol=params.protocol,
            k=params.k,
            threshold=params.threshold,
            negatives=params.negatives,
        )
        share = lists.hits.sum(axis=1) / params.k
        return {key: mean_over_users(lists, share, metric=key)}

    return precision


COMPONENT = Component(
    name="precision",
    description="Precision at K: share of the top K items that are relevant",
    factory=build,
    params=RankingParams,
)
