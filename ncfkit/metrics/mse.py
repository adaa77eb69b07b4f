"""Mean squared error on the [0, 1] training scale, the loss the trainer minimises."""

from __future__ import annotations

import numpy as np

from ncfkit.components import Component, EvalContext
from ncfkit.metrics.residuals import MetricFunction, residuals
from ncfkit.params import NoParams


def mse(ctx: EvalContext) -> dict[str, float]:
    """Compute mean(((predicted - actual) / rating_max) ** 2), or NaN without rows."""
    scaled = residuals(ctx) / ctx.rating_max
    return {"mse": float(np.mean(scaled**2)) if scaled.size else float("nan")}


def build(params: NoParams) -> MetricFunction:
    return mse


COMPONENT = Component(
    name="mse",
    description="Mean squared error on the [0, 1] training scale (rating / max)",
    factory=build,
)
