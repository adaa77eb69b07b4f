"""Hit rate at K: the share of users with at least one relevant item in the top K."""

from __future__ import annotations

import numpy as np

from ncfkit.components import Component, EvalContext
from ncfkit.metrics.ranking.cache import ranked_lists
from ncfkit.metrics.ranking.lists import mean_over_users
from ncfkit.metrics.ranking.params import RankingParams, result_key
from ncfkit.metrics.residuals import MetricFunction


def build(params: RankingParams) -> MetricFunction:
    key = result_key(
        "hr", k=params.k, protocol=params.protocol, negatives=params.negatives
    )

    def hit_rate(ctx: EvalContext) -> dict[str, float]:
        lists = ranked_lists(
            ctx,
            protocol=params.protocol,
            k=params.k,
            threshold=params.threshold,
            negatives=params.negatives,
        )
        hit = lists.hits.any(axis=1).astype(np.float64)
        return {key: mean_over_users(lists, hit, metric=key)}

    return hit_rate


COMPONENT = Component(
    name="hr",
    description="Hit rate at K: share of users with a relevant item in the top K",
    factory=build,
    params=RankingParams,
)
