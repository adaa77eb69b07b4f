"""One builder for the ranking metrics that average a per-ranking value over users."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ncfkit.components import EvalContext
from ncfkit.metrics.ranking.cache import ranked_lists
from ncfkit.metrics.ranking.lists import RankedLists, mean_over_users
from ncfkit.metrics.ranking.params import MRRParams, RankingParams, result_key
from ncfkit.metrics.residuals import MetricFunction

PerRanking = Callable[[RankedLists], np.ndarray]


def ranking_metric(
    name: str, per_ranking: PerRanking, *, cut_at_k: bool = True
) -> Callable[[RankingParams | MRRParams], MetricFunction]:
    """Return a metric factory that computes `per_ranking` on the ranked lists of
    the configured protocol and averages it over users.

    With `cut_at_k` false (MRR), the lists are not cut at K and the result key
    carries no K.
    """

    def build(params: RankingParams | MRRParams) -> MetricFunction:
        k = params.k if cut_at_k else None  # type: ignore[union-attr]
        key = result_key(
            name, k=k, protocol=params.protocol, negatives=params.negatives
        )

        def metric(ctx: EvalContext) -> dict[str, float]:
            lists = ranked_lists(
                ctx,
                protocol=params.protocol,
                k=k,
                threshold=params.threshold,
                negatives=params.negatives,
            )
            return {key: mean_over_users(lists, per_ranking(lists), metric=key)}

        return metric

    return build
