"""Share of predictions that round to the exact rating on the half-star scale."""

from __future__ import annotations

import numpy as np

from ncfkit.components import Component, EvalContext
from ncfkit.metrics.residuals import MetricFunction, residuals
from ncfkit.params import NoParams


def round_to_half_star(stars: np.ndarray) -> np.ndarray:
    """Round to the nearest multiple of 0.5, halfway cases up (3.25 -> 3.5).

    np.round rounds halfway cases to the even value instead, so 3.25 would become
    3.0 while 3.75 would become 4.0.
    """
    return np.floor(np.asarray(stars, dtype=np.float64) * 2.0 + 0.5) / 2.0


def accuracy(ctx: EvalContext) -> dict[str, float]:
    """Compute the share of rows whose prediction, rounded to a half star, equals
    the rating, or NaN when there are no rows."""
    if residuals(ctx).size == 0:
        return {"accuracy": float("nan")}
    # Ratings are multiples of 0.5, exact in binary floating point, so == is safe.
    hits = round_to_half_star(ctx.predicted) == np.asarray(ctx.actual, dtype=np.float64)
    return {"accuracy": float(np.mean(hits))}


def build(params: NoParams) -> MetricFunction:
    return accuracy


COMPONENT = Component(
    name="accuracy",
    description="Share of predictions that equal the rating after rounding to 0.5 star",
    factory=build,
)
