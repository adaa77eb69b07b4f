"""Mean absolute error in stars."""

from __future__ import annotations

import numpy as np

from ncfkit.components import Component, EvalContext
from ncfkit.metrics.residuals import MetricFunction, residuals
from ncfkit.params import NoParams


def mae(ctx: EvalContext) -> dict[str, float]:
    """Compute mean(|predicted - actual|) in stars, or NaN without rows."""
    errors = residuals(ctx)
    return {"mae": float(np.mean(np.abs(errors))) if errors.size else float("nan")}


def build(params: NoParams) -> MetricFunction:
    return mae


COMPONENT = Component(
    name="mae",
    description="Mean absolute error of the predicted ratings, in stars",
    factory=build,
)
