"""The training screen: run the engine in a worker thread and show its progress."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Label, ProgressBar, Static

from ncfkit.config import RunConfig
from ncfkit.engine import RunResult, execute_run, resume_run
from ncfkit.errors import NcfkitError, UsageError
from ncfkit.events import (
    CheckpointSaved,
    EpochEnded,
    EpochProgress,
    RunFinished,
    RunStarted,
)
from ncfkit.registry import Registry
from ncfkit.runs import read_epochs, read_run
from ncfkit.tui.chart import LossChart
from ncfkit.tui.navbar import NavBar
from ncfkit.tui.screens.dialogs import ConfirmScreen
from ncfkit.tui.subscriber import DownloadProgress, RunEvent, UiSubscriber

logger = logging.getLogger(__name__)

# How long quitting waits for the worker to reach the end of a batch, in seconds.
# NOTE: a dataset download does not check the stop event, so it can take longer.
STOP_TIMEOUT = 120.0

Job = Callable[[UiSubscriber, threading.Event], RunResult]


class RunOutcome(Message):
    """The worker returned: a result, or the one-line error it failed with."""

    def __init__(
        self, result: RunResult | None, error: str | None, *, usage_error: bool
    ) -> None:
        super().__init__()
        self.result = result
        self.error = error
        self.usage_error = usage_error


class TrainScreen(Screen[None]):
    """Epoch table, loss chart, batch progress and the outcome of the run."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "stop", "Stop"),
        Binding("r", "resume", "Resume"),
        Binding("o", "open_run", "Open run"),
    ]

    running: reactive[bool] = reactive(False, bindings=True)

    class OpenRun(Message):
        """The user asked to open a run's details."""

        def __init__(self, run_dir: Path) -> None:
            super().__init__()
            self.run_dir = run_dir

    class RunEnded(Message):
        """A run ended, whatever its status, so the runs list is out of date."""

    def __init__(
        self,
        *,
        registry: Registry,
        runs_dir: Path,
        data_dir: Path | None,
        subscribers: Sequence[object] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.registry = registry
        self.subscribers = tuple(subscribers)
        self.runs_dir = runs_dir
        self.data_dir = data_dir
        self.clock = clock
        self.stop_event = threading.Event()
        # The worker sets this event when it returns, and quitting waits on it.
        self.worker_done = threading.Event()
        self.worker_done.set()
        self.run_dir: Path | None = None
        self.status: str | None = None
        self.checkpoints: dict[str, tuple[Path, int]] = {}
        self._started_at = 0.0
        self._session_started_at: float | None = None
        self._fraction = 0.0
        self._best_epoch: int | None = None
        self._epochs = 0
        self._start_epoch = 1
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield NavBar("train")
        yield Static(
            "No run yet: assemble one on the setup screen (f1) and press ctrl+r, "
            "or resume one from the runs screen (f3).",
            id="run-title",
            markup=False,
        )
        with Horizontal(id="progress-row"):
            yield Label("", id="epoch-label", markup=False)
            yield ProgressBar(
                total=None, show_eta=False, show_percentage=True, id="batch-progress"
            )
            yield Label("", id="timing", markup=False)
        with Horizontal(id="live"):
            yield DataTable(id="epochs", cursor_type="row", zebra_stripes=True)
            yield LossChart(id="chart")
        yield Static("", id="outcome", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#epochs", DataTable)
        table.add_column("epoch", key="epoch")
        table.add_column("train", key="train")
        table.add_column("validation", key="validation")
        table.add_column("s", key="seconds")
        table.add_column("", key="best")

    # Starting

    def start(self, config: RunConfig) -> bool:
        """Start a new run of `config`. Returns False when a run is already going."""
        if self.running:
            self.notify(
                "A run is in progress: stop it first (s)",
                severity="warning",
                markup=False,
            )
            return False
        self._reset(
            f"Preparing {config.data or config.dataset} for {config.head.name}…"
        )
        self._launch(
            lambda subscriber, stop: execute_run(
                config,
                registry=self.registry,
                runs_dir=self.runs_dir,
                subscribers=[subscriber, *self.subscribers],
                stop=stop,
                data_dir=self.data_dir,
                progress=subscriber.download_progress,
            )
        )
        return True

    def resume(self, run_dir: Path) -> bool:
        """Continue an interrupted run. Returns False when a run is already going."""
        if self.running:
            self.notify(
                "A run is in progress: stop it first (s)",
                severity="warning",
                markup=False,
            )
            return False
        self._reset(f"Resuming {run_dir.name}: preparing the data…")
        self.run_dir = run_dir
        self._launch(
            lambda subscriber, stop: resume_run(
                run_dir,
                registry=self.registry,
                subscribers=[subscriber, *self.subscribers],
                stop=stop,
                data_dir=self.data_dir,
                progress=subscriber.download_progress,
            )
        )
        return True

    def _reset(self, title: str) -> None:
        self.run_dir = None
        self.status = "running"
        self.checkpoints = {}
        self._best_epoch = None
        self._fraction = 0.0
        self._session_started_at = None
        self.query_one("#run-title", Static).update(title)
        self.query_one("#epoch-label", Label).update("")
        self.query_one("#batch-progress", ProgressBar).update(total=None, progress=0)
        self.query_one("#epochs", DataTable).clear()
        self.query_one("#chart", LossChart).set_losses([], [])
        outcome = self.query_one("#outcome", Static)
        outcome.update("")
        outcome.remove_class("error", "success")

    def _launch(self, job: Job) -> None:
        self.stop_event = threading.Event()
        self.worker_done = threading.Event()
        self.running = True
        self._started_at = self.clock()
        self._tick()
        self._timer = self.set_interval(1.0, self._tick)
        self._train(job, self.stop_event, self.worker_done)

    @work(thread=True, exclusive=True, group="training", exit_on_error=False)
    def _train(self, job: Job, stop: threading.Event, done: threading.Event) -> None:
        # This runs in a worker thread, so it only posts messages and never touches
        # a widget.
        subscriber = UiSubscriber(self)
        try:
            result = job(subscriber, stop)
        except UsageError as error:
            logger.warning("run rejected: %s", error)
            self.post_message(RunOutcome(None, str(error), usage_error=True))
        except NcfkitError as error:
            logger.warning("run failed: %s", error)
            self.post_message(RunOutcome(None, str(error), usage_error=False))
        # A plugin's bug must not take the app down, whatever it raises.
        except Exception as error:
            logger.exception("run failed with an unexpected error")
            message = f"{type(error).__name__}: {error}"
            self.post_message(RunOutcome(None, message, usage_error=False))
        else:
            self.post_message(RunOutcome(result, None, usage_error=False))
        finally:
            done.set()

    # Lifecycle events, on the UI thread

    def on_run_event(self, message: RunEvent) -> None:
        event = message.event
        if isinstance(event, RunStarted):
            self._on_started(event)
        elif isinstance(event, EpochProgress):
            self._on_progress(event)
        elif isinstance(event, EpochEnded):
            self._on_epoch_ended(event)
        elif isinstance(event, CheckpointSaved):
            self.checkpoints[event.kind] = (event.path, event.epoch)
        elif isinstance(event, RunFinished):
            self.status = event.status

    def _on_started(self, event: RunStarted) -> None:
        self.run_dir = event.run_dir
        self._epochs = event.epochs
        self._start_epoch = event.start_epoch
        self._session_started_at = self.clock()
        config = event.config
        verb = "resumed at epoch" if event.start_epoch > 1 else "from epoch"
        self.query_one("#run-title", Static).update(
            f"{event.run_id} · {config.head.name} on {config.data or config.dataset} "
            f"· {event.n_users:,} users, {event.n_items:,} items, "
            f"{event.n_ratings:,} ratings · {event.device} · {verb} "
            f"{event.start_epoch}"
        )
        self.query_one("#epoch-label", Label).update(
            f"epoch {event.start_epoch}/{event.epochs}"
        )
        if event.start_epoch > 1:
            earlier = [
                e for e in read_epochs(event.run_dir) if e["epoch"] < event.start_epoch
            ]
            best_epoch = read_run(event.run_dir)["record"].get("best_epoch")
            for record in earlier:
                self._add_epoch_row(
                    record["epoch"],
                    record.get("train_loss"),
                    record.get("validation_loss"),
                    record.get("seconds"),
                    is_best=record["epoch"] == best_epoch,
                )
            chart = self.query_one("#chart", LossChart)
            chart.set_losses(
                [e.get("train_loss") for e in earlier],
                [e.get("validation_loss") for e in earlier],
            )

    def _on_progress(self, event: EpochProgress) -> None:
        if not self.stop_event.is_set():
            self.query_one("#epoch-label", Label).update(
                f"epoch {event.epoch}/{self._epochs}"
            )
        self.query_one("#batch-progress", ProgressBar).update(
            total=event.n_batches, progress=event.batch
        )
        sessions_epochs = self._epochs - self._start_epoch + 1
        done = event.epoch - self._start_epoch + event.batch / event.n_batches
        self._fraction = done / max(sessions_epochs, 1)

    def _on_epoch_ended(self, event: EpochEnded) -> None:
        self._add_epoch_row(
            event.epoch,
            event.train_loss,
            event.validation_loss,
            event.seconds,
            is_best=event.is_best,
        )
        self.query_one("#chart", LossChart).add_epoch(
            event.train_loss, event.validation_loss
        )

    def _add_epoch_row(
        self,
        epoch: int,
        train_loss: float | None,
        validation_loss: float | None,
        seconds: float | None,
        *,
        is_best: bool,
    ) -> None:
        table = self.query_one("#epochs", DataTable)
        if is_best and self._best_epoch is not None:
            table.update_cell(str(self._best_epoch), "best", "")
        if is_best:
            self._best_epoch = epoch
        table.add_row(
            str(epoch),
            _loss(train_loss),
            _loss(validation_loss),
            "–" if seconds is None else f"{seconds:.1f}",
            "best" if is_best else "",
            key=str(epoch),
        )
        table.move_cursor(row=table.row_count - 1)

    def on_download_progress(self, message: DownloadProgress) -> None:
        mebibytes = message.received / 2**20
        total = f" of {message.total / 2**20:.1f}" if message.total else ""
        self.query_one("#epoch-label", Label).update("download")
        self.query_one("#run-title", Static).update(
            f"Downloading the dataset: {mebibytes:.1f}{total} MiB"
        )
        self.query_one("#batch-progress", ProgressBar).update(
            total=message.total, progress=message.received
        )

    def on_run_outcome(self, message: RunOutcome) -> None:
        self.running = False
        if self._timer is not None:
            self._timer.stop()
        self._tick()
        outcome = self.query_one("#outcome", Static)
        label = self.query_one("#epoch-label", Label)
        bar = self.query_one("#batch-progress", ProgressBar)
        if bar.total is None:
            # A run that failed before its first batch leaves no pulsing bar.
            bar.update(total=1, progress=0)
        if message.result is not None:
            label.update(message.result.status)
            self.status = message.result.status
            self.run_dir = message.result.run_dir
            outcome.update(self._describe_result(message.result))
            outcome.set_class(message.result.status == "completed", "success")
            if message.result.status == "interrupted":
                self.notify("Run stopped with a checkpoint: r resumes it", markup=False)
        else:
            label.update("failed")
            self.status = "failed"
            outcome.update(self._describe_failure(message.error or "", message))
            outcome.add_class("error")
            self.notify(
                message.error or "run failed",
                severity="error",
                timeout=10,
                markup=False,
            )
        self.post_message(self.RunEnded())

    def _describe_result(self, result: RunResult) -> str:
        lines = []
        if result.status == "completed":
            metrics = "  ".join(f"{k} {v:.4f}" for k, v in result.metrics.items())
            lines.append(f"✓ completed · test {metrics}")
        else:
            lines.append("■ interrupted · r resumes from the last checkpoint")
        lines.append(f"folder {result.run_dir}")
        lines.append(self._describe_checkpoints(result.run_dir))
        return "\n".join(lines)

    def _describe_failure(self, error: str, message: RunOutcome) -> str:
        lines = [f"✗ {error}"]
        if message.usage_error:
            lines.append(
                "Nothing was written: fix the config on the setup screen (f1)."
            )
        elif self.run_dir is not None:
            lines.append(f"folder {self.run_dir} (status failed, see run.log)")
            if self.checkpoints:
                lines.append(self._describe_checkpoints(self.run_dir))
        return "\n".join(lines)

    def _describe_checkpoints(self, run_dir: Path) -> str:
        parts = []
        for kind in ("best", "last"):
            if kind in self.checkpoints:
                path, epoch = self.checkpoints[kind]
                parts.append(f"{kind} (after epoch {epoch}) {_relative(path, run_dir)}")
            elif (run_dir / "checkpoints" / f"{kind}.json").is_file():
                parts.append(f"{kind} checkpoints/{kind}.json")
        return "checkpoints " + (" · ".join(parts) if parts else "none")

    def _tick(self) -> None:
        """Update elapsed and estimated remaining time."""
        if self.status is None:
            return
        now = self.clock()
        elapsed = now - self._started_at
        text = f"elapsed {_duration(elapsed)}"
        if self.running and self._session_started_at is not None and self._fraction:
            training = now - self._session_started_at
            remaining = training * (1 - self._fraction) / self._fraction
            text += f" · ETA {_duration(remaining)}"
        self.query_one("#timing", Label).update(text)

    # Actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.running
        if action == "resume":
            return not self.running and self.status == "interrupted"
        if action == "open_run":
            return self.run_dir is not None
        return True

    def action_stop(self) -> None:
        if not self.running:
            return

        def confirmed(answer: bool | None) -> None:
            if answer and self.running:
                self.stop_event.set()
                self.query_one("#epoch-label", Label).update("stopping…")
                self.notify("Stopping after the current batch…", markup=False)

        self.app.push_screen(
            ConfirmScreen(
                "Stop the run? It ends after the current batch, saves a checkpoint "
                "and can be resumed later.",
                yes="Stop",
                no="Keep training",
            ),
            confirmed,
        )

    def action_resume(self) -> None:
        if self.run_dir is not None and self.status == "interrupted":
            self.resume(self.run_dir)

    def action_open_run(self) -> None:
        if self.run_dir is not None:
            self.post_message(self.OpenRun(self.run_dir))

    # Shutdown

    async def stop_and_wait(self) -> None:
        """Ask a running worker to stop and wait until it has returned."""
        if self.worker_done.is_set():
            return
        self.stop_event.set()
        await asyncio.to_thread(self.worker_done.wait, STOP_TIMEOUT)

    def stop_and_join(self) -> None:
        """Like `stop_and_wait`, but blocking, for when the event loop is closing."""
        self.stop_event.set()
        self.worker_done.wait(STOP_TIMEOUT)


def _loss(value: float | None) -> str:
    return "–" if value is None else f"{value:.5f}"


def _duration(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
