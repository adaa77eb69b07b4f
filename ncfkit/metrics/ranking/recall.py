"""Recall at K: the share of a user's relevant items found in the top K."""

from __future__ import annotations

import numpy as np

from ncfkit.components import Component, EvalContext
from ncfkit.metrics.ranking.cache import ranked_lists
from ncfkit.metrics.ranking.lists import mean_over_users
from ncfkit.metrics.ranking.params import RankingParams, result_key
from ncfkit.metrics.residuals import MetricFunction


def build(params: RankingParams) -> MetricFunction:
    key = result_key(
        "recall", k=params.k, protocol=params.protocol, negatives=params.negatives
    )

    def recall(ctx: EvalContext) -> dict[str, float]:
        """Divide the relevant items in the top K by all the user's relevant items,
        so a user with more than K of them cannot reach 1."""
        lists = ranked_lists(
            ctx,
            protocol=params.protocol,
            k=params.k,
            threshold=params.threshold,
            negatives=params.negatives,
        )
        found = lists.hits.sum(axis=1) / np.maximum(lists.n_relevant, 1)
        return {key: mean_over_users(lists, found, metric=key)}

    return recall


COMPONENT = Component(
    name="recall",
    description="Recall at K: share of the relevant items that reach the top K",
    factory=build,
    params=RankingParams,
)
