"""A lifecycle subscriber that keeps a run folder's records current."""

from __future__ import annotations

from ncfkit.events import EpochEnded
from ncfkit.hookspecs import hookimpl
from ncfkit.runs.store import RunFolder


class RunRecorder:
    """Appends each finished epoch to epochs.jsonl and updates run.json."""

    def __init__(self, run: RunFolder) -> None:
        self.run = run

    @hookimpl
    def on_epoch_ended(self, event: EpochEnded) -> None:
        self.run.append_epoch(
            {
                "epoch": event.epoch,
                "train_loss": event.train_loss,
                "validation_loss": event.validation_loss,
                "seconds": round(event.seconds, 4),
                "is_best": event.is_best,
            }
        )
        values: dict[str, object] = {"epochs_done": event.epoch}
        if event.is_best:
            values |= {
                "best_epoch": event.epoch,
                "best_validation_loss": event.validation_loss,
            }
        self.run.update(**values)
