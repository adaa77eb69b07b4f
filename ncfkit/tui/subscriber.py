"""The bridge from the training thread to the UI: lifecycle events as messages.

The engine calls these hooks from the worker thread. They only post messages,
which Textual queues thread-safely for the UI thread, and never touch a widget.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.message import Message
from textual.message_pump import MessagePump

from ncfkit.events import (
    CheckpointSaved,
    EpochEnded,
    EpochProgress,
    RunFinished,
    RunStarted,
)
from ncfkit.hookspecs import hookimpl

# Batch progress is posted at most this often (seconds), so a large dataset with
# tens of thousands of batches per epoch does not flood the message queue.
PROGRESS_INTERVAL = 0.1


class RunEvent(Message):
    """A lifecycle event of the run, delivered on the UI thread."""

    def __init__(
        self,
        event: RunStarted | EpochProgress | EpochEnded | CheckpointSaved | RunFinished,
    ) -> None:
        super().__init__()
        self.event = event


class DownloadProgress(Message):
    """Bytes of the dataset download received so far, and the total if known."""

    def __init__(self, received: int, total: int | None) -> None:
        super().__init__()
        self.received = received
        self.total = total


class UiSubscriber:
    """Posts each lifecycle event to `target` as a `RunEvent` message."""

    def __init__(
        self,
        target: MessagePump,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = PROGRESS_INTERVAL,
    ) -> None:
        self._target = target
        self._clock = clock
        self._interval = interval
        self._last_progress = -float("inf")
        self._last_download = -float("inf")

    @hookimpl
    def on_run_started(self, event: RunStarted) -> None:
        self._target.post_message(RunEvent(event))

    @hookimpl
    def on_epoch_progress(self, event: EpochProgress) -> None:
        now = self._clock()
        last_batch = event.batch == event.n_batches
        if last_batch or now - self._last_progress >= self._interval:
            self._last_progress = now
            self._target.post_message(RunEvent(event))

    @hookimpl
    def on_epoch_ended(self, event: EpochEnded) -> None:
        self._target.post_message(RunEvent(event))

    @hookimpl
    def on_checkpoint_saved(self, event: CheckpointSaved) -> None:
        self._target.post_message(RunEvent(event))

    @hookimpl
    def on_run_finished(self, event: RunFinished) -> None:
        self._target.post_message(RunEvent(event))

    def download_progress(self, received: int, total: int | None) -> None:
        """Post download progress. The engine receives this method as `progress`."""
        now = self._clock()
        if received == total or now - self._last_download >= self._interval:
            self._last_download = now
            self._target.post_message(DownloadProgress(received, total))
