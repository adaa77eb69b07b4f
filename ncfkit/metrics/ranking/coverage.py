"""Catalog coverage at K: the share of all items recommended in some top-K list."""

from __future__ import annotations

import logging

import numpy as np

from ncfkit.components import Component, EvalContext
from ncfkit.metrics.ranking.cache import ranked_lists
from ncfkit.metrics.ranking.params import DEFAULT_NEGATIVES, CoverageParams
from ncfkit.metrics.residuals import MetricFunction

logger = logging.getLogger(__name__)


def build(params: CoverageParams) -> MetricFunction:
    key = f"coverage@{params.k}"

    def coverage(ctx: EvalContext) -> dict[str, float]:
        """Count the distinct items in the full-ranking top-K lists of every user of
        the part, with or without a relevant item, and divide by n_items."""
        lists = ranked_lists(
            ctx,
            protocol="full",
            k=params.k,
            threshold=None,
            negatives=DEFAULT_NEGATIVES,
        )
        if ctx.n_items == 0 or len(lists.users) == 0:
            logger.warning("%s: no users or items to cover, %s is NaN", ctx.part, key)
            return {key: float("nan")}
        recommended = np.unique(lists.top_k[lists.top_k >= 0])
        return {key: recommended.size / ctx.n_items}

    return coverage


COMPONENT = Component(
    name="coverage",
    description="Catalog coverage at K: share of items in any user's full top-K list",
    factory=build,
    params=CoverageParams,
)
