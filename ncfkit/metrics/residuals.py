"""Residuals shared by the rating metrics."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from ncfkit.components import EvalContext

logger = logging.getLogger(__name__)

MetricFunction = Callable[[EvalContext], dict[str, float]]


def residuals(ctx: EvalContext) -> np.ndarray:
    """Return predicted minus actual ratings in stars, (n,) float64.

    Raises ValueError when `predicted` and `actual` differ in length.
    """
    predicted = np.asarray(ctx.predicted, dtype=np.float64)
    actual = np.asarray(ctx.actual, dtype=np.float64)
    if predicted.shape != actual.shape:
        raise ValueError(
            f"{ctx.part}: {predicted.shape[0]} predictions for {actual.shape[0]} "
            "ratings, but the engine must predict every evaluated row"
        )
    if actual.size == 0:
        logger.warning("%s: no ratings to evaluate, rating metrics are NaN", ctx.part)
    return predicted - actual
