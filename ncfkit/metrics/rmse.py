"""Root mean squared error in stars."""

from __future__ import annotations

import numpy as np

from ncfkit.components import Component, EvalContext
from ncfkit.metrics.residuals import MetricFunction, residuals
from ncfkit.params import NoParams


def rmse(ctx: EvalContext) -> dict[str, float]:
    """Compute sqrt(mean((predicted - actual) ** 2)) in stars, or NaN without rows."""
    errors = residuals(ctx)
    return {"rmse": float(np.sqrt(np.mean(errors**2))) if errors.size else float("nan")}


def build(params: NoParams) -> MetricFunction:
    return rmse


COMPONENT = Component(
    name="rmse",
    description="Root mean squared error of the predicted ratings, in stars",
    factory=build,
)
