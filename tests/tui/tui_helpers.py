"""Helpers shared by the TUI tests."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import tomli_w
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from ncfkit.events import EpochEnded
from ncfkit.hookspecs import hookimpl


def run_async(test: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test in a fresh event loop (no pytest async plugin needed)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


class EpochGate:
    """A subscriber that blocks the training thread at the end of one epoch until
    released, so a test can press Stop while the run is certainly still going."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch
        self.reached = threading.Event()
        self.release = threading.Event()

    @hookimpl
    def on_epoch_ended(self, event: EpochEnded) -> None:
        if event.epoch == self.epoch:
            self.reached.set()
            self.release.wait(timeout=30)


async def wait_for(
    pilot: Pilot, condition: Callable[[], bool], *, timeout: float = 60.0
) -> None:
    """Let the app run until `condition()` is true. Fail after `timeout` seconds."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {condition}")


async def type_into(pilot: Pilot, input_widget: Input, text: str) -> None:
    """Replace an input's text by typing `text` key by key."""
    input_widget.focus()
    input_widget.value = ""
    await pilot.press(*text)
    await pilot.pause()


def write_config(path: Path, raw: dict[str, Any]) -> Path:
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    return path


def columns_in_view(table: DataTable) -> list[str]:
    """Return the labels of the columns that fit whole in the table's width, with
    the table scrolled to the left."""
    visible = table.scrollable_content_region.width
    labels = []
    right = 0
    for column in table.ordered_columns:
        right += column.get_render_width(table)
        if right <= visible:
            labels.append(str(column.label))
    return labels
