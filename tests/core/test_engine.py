import json
import math
import threading

import pytest
import torch
from torch import nn

from ncfkit.components import Component
from ncfkit.config import read_config_file, resolve_config
from ncfkit.engine import execute_run, resume_run
from ncfkit.errors import CheckpointError, TrainingDiverged, UsageError
from ncfkit.hookspecs import hookimpl
from ncfkit.registry import load_registry
from ncfkit.runs import read_epochs
from ncfkit.runs.checkpoint import load_checkpoint

from .engine_helpers import small_config


@pytest.fixture
def registry():
    return load_registry(entry_points=False)


class StopAt:
    """Sets the stop event once training reaches (epoch, batch)."""

    def __init__(self, stop, epoch, batch):
        self.stop, self.epoch, self.batch = stop, epoch, batch

    @hookimpl
    def on_epoch_progress(self, event):
        if (event.epoch, event.batch) == (self.epoch, self.batch):
            self.stop.set()


def test_run_writes_complete_run_folder(registry, small_movielens, tmp_path):
    result = execute_run(
        small_config(registry, small_movielens), registry=registry, runs_dir=tmp_path
    )
    run_dir = result.run_dir
    assert result.status == "completed"
    for name in ("config.toml", "run.json", "metrics.json", "environment.json"):
        assert (run_dir / name).is_file(), name
    assert len(read_epochs(run_dir)) == 3
    assert (run_dir / "checkpoints" / "last.json").is_file()
    assert (run_dir / "checkpoints" / "best.json").is_file()
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "completed"
    assert record["metrics"]["rmse"] == result.metrics["rmse"]
    environment = json.loads((run_dir / "environment.json").read_text())
    assert "ratings.csv" in environment["dataset"]["checksums"]
    assert environment["packages"]["torch"] == torch.__version__


def test_run_config_toml_reruns_same_config(registry, small_movielens, tmp_path):
    config = small_config(registry, small_movielens)
    result = execute_run(config, registry=registry, runs_dir=tmp_path)
    reread = resolve_config(read_config_file(result.run_dir / "config.toml"), registry)
    assert reread == config


def test_same_config_and_seed_give_identical_metrics(
    registry, small_movielens, tmp_path
):
    config = small_config(registry, small_movielens)
    first = execute_run(config, registry=registry, runs_dir=tmp_path)
    second = execute_run(config, registry=registry, runs_dir=tmp_path)
    assert first.metrics == second.metrics
    assert read_epochs(first.run_dir) == [
        {**e, "seconds": read_epochs(first.run_dir)[i]["seconds"]}
        for i, e in enumerate(read_epochs(second.run_dir))
    ]


def test_other_seed_gives_other_metrics(registry, small_movielens, tmp_path):
    first = execute_run(
        small_config(registry, small_movielens), registry=registry, runs_dir=tmp_path
    )
    second = execute_run(
        small_config(registry, small_movielens, "training.seed=7"),
        registry=registry,
        runs_dir=tmp_path,
    )
    assert first.metrics["rmse"] != second.metrics["rmse"]


@pytest.mark.parametrize(("epoch", "batch"), [(2, 3), (1, 1)])
def test_resume_equals_uninterrupted_run(
    registry, small_movielens, tmp_path, epoch, batch
):
    config = small_config(registry, small_movielens)
    uninterrupted = execute_run(config, registry=registry, runs_dir=tmp_path / "a")

    stop = threading.Event()
    interrupted = execute_run(
        config,
        registry=registry,
        runs_dir=tmp_path / "b",
        subscribers=[StopAt(stop, epoch, batch)],
        stop=stop,
    )
    assert interrupted.status == "interrupted"
    record = json.loads((interrupted.run_dir / "run.json").read_text())
    assert record["status"] == "interrupted"

    resumed = resume_run(interrupted.run_dir, registry=registry)
    assert resumed.status == "completed"
    assert resumed.metrics == uninterrupted.metrics
    losses = [e["validation_loss"] for e in read_epochs(resumed.run_dir)]
    expected = [e["validation_loss"] for e in read_epochs(uninterrupted.run_dir)]
    assert losses == expected


def test_best_checkpoint_is_chosen_on_validation(registry, small_movielens, tmp_path):
    result = execute_run(
        small_config(registry, small_movielens, "training.epochs=4"),
        registry=registry,
        runs_dir=tmp_path,
    )
    epochs = read_epochs(result.run_dir)
    best_epoch = min(epochs, key=lambda e: e["validation_loss"])["epoch"]
    metrics = json.loads((result.run_dir / "metrics.json").read_text())
    assert metrics["best_epoch"] == best_epoch
    best = load_checkpoint(result.run_dir / "checkpoints" / "best.json")
    assert best.sidecar["epoch"] == best_epoch


class _ConstantHead(nn.Module):
    """Predicts 0.5 whatever the input; its loss never improves."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, users, items):
        return self.weight * 0 + torch.full(users.shape, 0.5)


class _NaNHead(nn.Module):
    """Turns NaN after `good_steps` training forward passes."""

    def __init__(self, good_steps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1))
        self.good_steps = good_steps
        self.steps = 0

    def forward(self, users, items):
        if self.training:
            self.steps += 1
        value = self.weight * 0.6
        if self.steps > self.good_steps:
            value = value * float("nan")
        return value.expand(users.shape[0])


class TestHeads:
    @hookimpl
    def register_heads(self):
        return [
            Component("constant", "always 0.5", lambda p, **kw: _ConstantHead()),
            Component("nan-later", "NaN in epoch 2", lambda p, **kw: _NaNHead(12)),
        ]


def test_early_stopping_ends_after_patience(registry, small_movielens, tmp_path):
    registry.add_plugin(TestHeads(), "test-heads")
    config = small_config(
        registry,
        small_movielens,
        "plugins=test-heads",
        "head=constant",
        "training.epochs=10",
        "training.patience=2",
    )
    result = execute_run(config, registry=registry, runs_dir=tmp_path)
    assert len(read_epochs(result.run_dir)) == 3
    assert result.status == "completed"


def test_nan_loss_stops_run_and_keeps_last_good_checkpoint(
    registry, small_movielens, tmp_path
):
    registry.add_plugin(TestHeads(), "test-heads")
    config = small_config(
        registry, small_movielens, "plugins=test-heads", "head=nan-later"
    )
    with pytest.raises(TrainingDiverged, match="epoch 2"):
        execute_run(config, registry=registry, runs_dir=tmp_path / "runs")
    (run_dir,) = (tmp_path / "runs").iterdir()
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "failed"
    assert "diverged in epoch 2" in record["error"]
    last = load_checkpoint(run_dir / "checkpoints" / "last.json")
    assert last.sidecar["epoch"] == 1
    assert all(math.isfinite(v) for v in last.section("model")["weight"].tolist())


def test_resume_of_completed_run_is_rejected(registry, small_movielens, tmp_path):
    result = execute_run(
        small_config(registry, small_movielens), registry=registry, runs_dir=tmp_path
    )
    with pytest.raises(UsageError, match="already completed"):
        resume_run(result.run_dir, registry=registry)


def _interrupted_run(registry, data, runs_dir):
    stop = threading.Event()
    return execute_run(
        small_config(registry, data),
        registry=registry,
        runs_dir=runs_dir,
        subscribers=[StopAt(stop, 1, 2)],
        stop=stop,
    )


def test_resume_with_corrupt_checkpoint_is_rejected(
    registry, small_movielens, tmp_path
):
    result = _interrupted_run(registry, small_movielens, tmp_path)
    sidecar = json.loads((result.run_dir / "checkpoints" / "last.json").read_text())
    weights = result.run_dir / "checkpoints" / sidecar["weights"]
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="corrupt checkpoint"):
        resume_run(result.run_dir, registry=registry)


def test_resume_on_different_dataset_is_rejected(registry, small_movielens, tmp_path):
    from tests.conftest import write_movielens_csv

    result = _interrupted_run(registry, small_movielens, tmp_path)
    write_movielens_csv(small_movielens, seed=5)
    with pytest.raises(CheckpointError, match="different data"):
        resume_run(result.run_dir, registry=registry)


class _PenalisedHead(nn.Module):
    """A constant-output head whose penalty pulls its weight towards 3."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))
        self.penalised_batches = 0

    def forward(self, users, items):
        return self.weight * 0 + torch.full(users.shape, 0.5)

    def penalty(self, users, items):
        self.penalised_batches += 1
        return (self.weight - 3.0).pow(2).sum()


def test_head_penalty_joins_objective_not_reported_loss(
    registry, small_movielens, tmp_path
):
    heads = {}

    class PenaltyHeads:
        @hookimpl
        def register_heads(self):
            def build(params, **kwargs):
                heads["model"] = _PenalisedHead()
                return heads["model"]

            return [Component("penalised", "penalty only", build)]

    registry.add_plugin(PenaltyHeads(), "penalty-heads")
    config = small_config(
        registry,
        small_movielens,
        "plugins=penalty-heads",
        "head=penalised",
        "training.learning_rate=0.1",
    )
    result = execute_run(config, registry=registry, runs_dir=tmp_path)
    model = heads["model"]
    assert model.penalised_batches > 0
    assert model.weight.item() > 1.0
    epochs = read_epochs(result.run_dir)
    # The reported loss is the plain MSE of a constant 0.5 prediction.
    assert epochs[0]["train_loss"] == pytest.approx(epochs[-1]["train_loss"])
