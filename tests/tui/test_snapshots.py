"""SVG snapshots of the main screens at 80x24, the smallest supported terminal.

Everything on screen is fixed: relative paths, made-up run folders, synthetic
training events and a frozen clock. Update after an intended change with
`pytest tests/tui/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_runs import write_fake_run
from textual.pilot import Pilot
from textual.widgets import Input

from ncfkit.config import default_raw_config, resolve_config
from ncfkit.events import CheckpointSaved, EpochEnded, EpochProgress, RunStarted
from ncfkit.registry import Registry
from ncfkit.tui.app import NcfkitApp
from ncfkit.tui.screens.runs import CompareScreen, RunDetailScreen
from ncfkit.tui.subscriber import RunEvent

TERMINAL = (80, 24)
RUN_A = "20250102-030405-mlp-aaaa"
RUN_B = "20250103-030405-mlp-bbbb"


@pytest.fixture
def app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: Registry
) -> NcfkitApp:
    """An app in a folder of its own, with relative paths and a frozen clock."""
    monkeypatch.chdir(tmp_path)
    # The missing-data hint names the download source this variable sets.
    monkeypatch.delenv("NCFKIT_DOWNLOAD_URL", raising=False)
    runs_dir = Path("runs")
    write_fake_run(runs_dir, RUN_A, registry=registry)
    write_fake_run(
        runs_dir,
        RUN_B,
        registry=registry,
        status="interrupted",
        dropout=0.1,
        losses=[(0.09, 0.048), (0.05, 0.046)],
    )
    return NcfkitApp(
        runs_dir=runs_dir, registry=registry, data_dir=Path("data"), clock=lambda: 0.0
    )


def test_setup_screen(snap_compare, app: NcfkitApp) -> None:
    assert snap_compare(app, terminal_size=TERMINAL)


def test_setup_screen_invalid_field(snap_compare, app: NcfkitApp) -> None:
    async def type_invalid(pilot: Pilot) -> None:
        field = pilot.app.screen.query_one(
            "#field-filters-min-ratings-min_user_ratings"
        )
        text_input = field.query_one(Input)
        # A blinking cursor would make the picture depend on timing.
        text_input.cursor_blink = False
        text_input.focus()
        await pilot.press("backspace", "backspace", "x")
        await pilot.pause()

    assert snap_compare(app, terminal_size=TERMINAL, run_before=type_invalid)


def test_train_screen(snap_compare, app: NcfkitApp, registry: Registry) -> None:
    raw = default_raw_config()
    raw["training"] = {"epochs": 5}
    config = resolve_config(raw, registry)
    run_dir = Path("runs") / RUN_A

    async def replay_run(pilot: Pilot) -> None:
        await pilot.press("f2")
        await pilot.pause()
        screen = pilot.app.train_screen
        screen.status = "running"
        screen.running = True
        events = [
            RunStarted(
                RUN_A,
                run_dir,
                config,
                610,
                2269,
                81116,
                {"train": 56505, "validation": 12164, "test": 12447},
                5,
                1,
                "cpu",
            ),
        ]
        losses = [(0.1, 0.05), (0.05, 0.045), (0.04, 0.043)]
        for epoch, (train, validation) in enumerate(losses, start=1):
            events.append(EpochEnded(RUN_A, epoch, 5, train, validation, 2.0, True))
            events.append(
                CheckpointSaved(RUN_A, run_dir / "checkpoints/best.json", "best", epoch)
            )
        events.append(EpochProgress(RUN_A, 4, 40, 111))
        for event in events:
            screen.post_message(RunEvent(event))
        await pilot.pause()

    assert snap_compare(app, terminal_size=TERMINAL, run_before=replay_run)


def test_runs_screen(snap_compare, app: NcfkitApp) -> None:
    assert snap_compare(app, terminal_size=TERMINAL, press=["f3"])


def test_run_detail_screen(snap_compare, app: NcfkitApp) -> None:
    async def open_run(pilot: Pilot) -> None:
        await pilot.press("f3")
        await pilot.pause()
        pilot.app.push_screen(RunDetailScreen(Path("runs") / RUN_B))
        await pilot.pause()

    assert snap_compare(app, terminal_size=TERMINAL, run_before=open_run)


def test_compare_screen(snap_compare, app: NcfkitApp) -> None:
    async def compare(pilot: Pilot) -> None:
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press("space", "down", "space", "c")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CompareScreen)

    assert snap_compare(app, terminal_size=TERMINAL, run_before=compare)
