"""Mean reciprocal rank of the first relevant item, over the whole ranked list."""

from __future__ import annotations

from ncfkit.components import Component, EvalContext
from ncfkit.metrics.ranking.cache import ranked_lists
from ncfkit.metrics.ranking.lists import mean_over_users
from ncfkit.metrics.ranking.params import MRRParams, result_key
from ncfkit.metrics.residuals import MetricFunction


def build(params: MRRParams) -> MetricFunction:
    key = result_key(
        "mrr", k=None, protocol=params.protocol, negatives=params.negatives
    )

    def mrr(ctx: EvalContext) -> dict[str, float]:
        """Average 1 / rank of the best-ranked relevant item. The list is not cut at
        K, so a relevant item at rank 500 still adds 1/500."""
        lists = ranked_lists(
            ctx,
            protocol=params.protocol,
            k=None,
            threshold=params.threshold,
            negatives=params.negatives,
        )
        reciprocal = 1.0 / lists.first_rank.clip(min=1)
        return {key: mean_over_users(lists, reciprocal, metric=key)}

    return mrr


COMPONENT = Component(
    name="mrr",
    description="Mean reciprocal rank of the first relevant item in the ranking",
    factory=build,
    params=MRRParams,
)
