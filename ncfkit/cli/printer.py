"""Terminal output of a run: a lifecycle subscriber and the log handler.

On a terminal, a progress bar runs inside each epoch and each finished epoch gets
one line. Elsewhere (CI, pipes) only plain lines are written. Everything goes to
stderr; results go to stdout.
"""

from __future__ import annotations

import logging
import sys

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from ncfkit.events import (
    CheckpointSaved,
    EpochEnded,
    EpochProgress,
    RunFinished,
    RunStarted,
)
from ncfkit.hookspecs import hookimpl


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def configure_logging(console: Console, *, quiet: bool) -> None:
    """Send ncfkit's log records to stderr: rich on a terminal, plain otherwise."""
    package_logger = logging.getLogger("ncfkit")
    package_logger.handlers.clear()
    if console.is_terminal:
        handler: logging.Handler = RichHandler(
            console=console, show_path=False, show_time=False, show_level=False
        )
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
    # RunPrinter shows the progress lines from events; run.log keeps them.
    handler.addFilter(lambda record: record.name != "ncfkit.engine.run")
    # The handler's own level keeps --quiet quiet while the run log, which
    # lowers the logger's level, still records everything.
    handler.setLevel(logging.WARNING if quiet else logging.INFO)
    package_logger.addHandler(handler)
    package_logger.setLevel(logging.WARNING if quiet else logging.INFO)
    package_logger.propagate = False


class RunPrinter:
    """Prints a run's progress from its lifecycle events."""

    def __init__(self, console: Console, *, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    @hookimpl
    def on_run_started(self, event: RunStarted) -> None:
        if self.quiet:
            return
        split = event.split_sizes
        self.console.print(
            f"run {event.run_id} on {event.device}: {event.n_users} users, "
            f"{event.n_items} items, {event.n_ratings} ratings; train "
            f"{split['train']}, validation {split['validation']}, test {split['test']}"
        )

    @hookimpl
    def on_epoch_progress(self, event: EpochProgress) -> None:
        if self.quiet or not self.console.is_terminal:
            return
        if self.progress is None:
            self.progress = Progress(
                TextColumn(f"epoch {event.epoch}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("train", total=event.n_batches)
        assert self.task is not None
        self.progress.update(self.task, completed=event.batch)

    @hookimpl
    def on_epoch_ended(self, event: EpochEnded) -> None:
        self._close_bar()
        if self.quiet:
            return
        best = "  best" if event.is_best else ""
        self.console.print(
            f"epoch {event.epoch:>3}/{event.epochs}  train loss {event.train_loss:.4f}"
            f"  validation loss {event.validation_loss:.4f}  {event.seconds:.1f}s{best}"
        )

    @hookimpl
    def on_checkpoint_saved(self, event: CheckpointSaved) -> None:
        pass

    @hookimpl
    def on_run_finished(self, event: RunFinished) -> None:
        self._close_bar()
        if event.status == "interrupted":
            self.console.print(
                f"run interrupted; checkpoint saved. Resume with: "
                f"ncfkit run --resume {event.run_dir}"
            )

    def _close_bar(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
            self.task = None


class DownloadBar:
    """A progress callback for dataset downloads."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        self.last_logged = -1

    def __call__(self, done: int, total: int | None) -> None:
        if not self.console.is_terminal:
            self._plain(done, total)
            return
        if self.progress is None:
            self.progress = Progress(
                TextColumn("download"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                console=self.console,
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("download", total=total)
        assert self.task is not None
        self.progress.update(self.task, completed=done, total=total)
        if total is not None and done >= total:
            self.progress.stop()
            self.progress = None

    def _plain(self, done: int, total: int | None) -> None:
        if not total:
            return
        tenth = done * 10 // total
        if tenth != self.last_logged:
            self.last_logged = tenth
            self.console.print(f"download {done / 1e6:.1f} of {total / 1e6:.1f} MB")
