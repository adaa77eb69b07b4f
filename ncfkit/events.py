"""Lifecycle events of a run, delivered through the registry's `on_*` hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

RunStatus = Literal["running", "completed", "interrupted", "failed"]


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    run_dir: Path
    config: Any  # RunConfig
    n_users: int
    n_items: int
    n_ratings: int
    split_sizes: dict[str, int]
    epochs: int
    start_epoch: int  # 1 for a new run, later when resuming
    device: str


@dataclass(frozen=True)
class EpochProgress:
    run_id: str
    epoch: int
    batch: int  # batches done in this epoch, 1-based
    n_batches: int


@dataclass(frozen=True)
class EpochEnded:
    run_id: str
    epoch: int
    epochs: int
    train_loss: float  # mean MSE on the [0, 1] scale
    validation_loss: float
    seconds: float
    is_best: bool


@dataclass(frozen=True)
class CheckpointSaved:
    run_id: str
    path: Path
    kind: Literal["last", "best"]
    epoch: int


@dataclass(frozen=True)
class RunFinished:
    run_id: str
    run_dir: Path
    status: RunStatus
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None
