"""Rating metrics against values computed by hand on four ratings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ncfkit.metrics.accuracy import accuracy, round_to_half_star
from ncfkit.metrics.mae import mae
from ncfkit.metrics.mse import mse
from ncfkit.metrics.rmse import rmse
from ncfkit.registry import load_registry

# Four ratings and their predictions, in stars. Residuals: -0.2, +0.2, -1.0, 0.0.
ROWS = [(0, 0, 4.0), (0, 1, 3.0), (1, 0, 5.0), (1, 2, 1.5)]
PREDICTED = [3.8, 3.2, 4.0, 1.5]


@pytest.fixture
def context(make_context):
    return make_context(
        scores=np.zeros((2, 3)), exclude={}, rows=ROWS, predicted=PREDICTED
    )


def test_mse_is_on_training_scale(context):
    # squares 0.04 + 0.04 + 1.0 + 0 = 1.08, mean 0.27 stars^2, / 5^2 = 0.0108
    assert mse(context)["mse"] == pytest.approx(0.0108)


def test_rmse_is_in_stars(context):
    # sqrt(1.08 / 4) = sqrt(0.27)
    assert rmse(context)["rmse"] == pytest.approx(math.sqrt(0.27))


def test_mae_is_in_stars(context):
    # (0.2 + 0.2 + 1.0 + 0) / 4 = 0.35
    assert mae(context)["mae"] == pytest.approx(0.35)


def test_accuracy_counts_half_star_matches(context):
    # 3.8 -> 4.0 hit, 3.2 -> 3.0 hit, 4.0 vs 5.0 miss, 1.5 hit: 3 of 4
    assert accuracy(context)["accuracy"] == pytest.approx(0.75)


def test_round_to_half_star_rounds_halfway_up():
    rounded = round_to_half_star(np.array([3.25, 3.75, 0.74, 4.99]))
    assert rounded[0] == 3.5
    assert rounded[1] == 4.0
    assert rounded[2] == 0.5
    assert rounded[3] == 5.0


def test_rating_metrics_are_nan_without_rows(make_context):
    empty = make_context(scores=np.zeros((2, 3)), exclude={}, rows=[])
    assert math.isnan(mse(empty)["mse"])
    assert math.isnan(rmse(empty)["rmse"])
    assert math.isnan(mae(empty)["mae"])
    assert math.isnan(accuracy(empty)["accuracy"])


def test_rating_metric_rejects_length_mismatch(make_context):
    context = make_context(
        scores=np.zeros((2, 3)), exclude={}, rows=ROWS, predicted=[3.0]
    )
    with pytest.raises(ValueError, match="1 predictions for 4 ratings"):
        rmse(context)


@pytest.mark.parametrize("name", ["mse", "rmse", "mae", "accuracy"])
def test_rating_metric_registered_under_its_key(name, context):
    component = load_registry(entry_points=False).get("metric", name).component
    result = component.factory(component.params())(context)
    assert list(result) == [name]
