"""Hook specifications of ncfkit's plugin system.

`register_*` hooks return a list of `ncfkit.components.Component`. `on_*` hooks
receive a lifecycle event from `ncfkit.events`; their return value is ignored.
"""

from __future__ import annotations

import pluggy

from ncfkit.components import Component
from ncfkit.events import (
    CheckpointSaved,
    EpochEnded,
    EpochProgress,
    RunFinished,
    RunStarted,
)

hookspec = pluggy.HookspecMarker("ncfkit")
hookimpl = pluggy.HookimplMarker("ncfkit")


@hookspec
def register_readers() -> list[Component]:
    """Return dataset readers, each detecting and reading one folder layout."""


@hookspec
def register_filters() -> list[Component]:
    """Return filters that keep a subset of the ratings before the split."""


@hookspec
def register_splitters() -> list[Component]:
    """Return splitters that divide ratings into train, validation and test."""


@hookspec
def register_feature_providers() -> list[Component]:
    """Return providers of per-item or per-user tensors, fitted once per run."""


@hookspec
def register_heads() -> list[Component]:
    """Return model heads that predict a rating from a user and an item."""


@hookspec
def register_metrics() -> list[Component]:
    """Return metrics computed on the predictions for a held-out part."""


@hookspec
def on_run_started(event: RunStarted) -> None:
    """Receive the start of a run (or of its resumption), after data preparation."""


@hookspec
def on_epoch_progress(event: EpochProgress) -> None:
    """Receive progress after each training batch."""


@hookspec
def on_epoch_ended(event: EpochEnded) -> None:
    """Receive the train and validation loss of a finished epoch."""


@hookspec
def on_checkpoint_saved(event: CheckpointSaved) -> None:
    """Receive the path of a checkpoint that was just written."""


@hookspec
def on_run_finished(event: RunFinished) -> None:
    """Receive the end of a run: completed, interrupted or failed."""
