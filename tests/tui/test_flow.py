"""The whole flow through the app, driven by a Pilot on a small generated dataset."""

from __future__ import annotations

import json
import sys
import threading
import traceback
from pathlib import Path

from textual.widgets import DataTable, Input, SelectionList
from tui_helpers import EpochGate, run_async, type_into, wait_for, write_config

from ncfkit.registry import Registry
from ncfkit.tui.app import NcfkitApp
from ncfkit.tui.chart import LossChart
from ncfkit.tui.form import ParamField, ParamsForm
from ncfkit.tui.screens.recommend import RecommendScreen
from ncfkit.tui.screens.runs import RunDetailScreen

SIZE = (100, 34)


@run_async
async def test_assemble_train_stop_resume_and_browse(
    tmp_path: Path, registry: Registry, small_raw_config: dict
) -> None:
    runs_dir = tmp_path / "runs"
    config_path = write_config(tmp_path / "small.toml", small_raw_config)
    gate = EpochGate(epoch=2)
    app = NcfkitApp(
        runs_dir=runs_dir,
        config_path=config_path,
        registry=registry,
        subscribers=[gate],
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        setup = app.setup_screen
        assert app.screen is setup

        # Choose components: leave the accuracy metric out.
        metrics = setup.query_one("#metrics", SelectionList)
        assert "accuracy" in metrics.selected
        metrics.focus()
        metrics.highlighted = [
            metrics.get_option_at_index(i).value for i in range(metrics.option_count)
        ].index("accuracy")
        await pilot.press("space")
        await pilot.pause()
        assert "accuracy" not in metrics.selected

        # An invalid value is rejected next to its field and blocks Start.
        dropout = setup.query_one("#field-head-dropout", ParamField)
        await type_into(pilot, dropout.query_one(Input), "abc")
        assert dropout.error == "invalid value 'abc' for head.dropout: expected float"
        assert dropout.query_one(".param-error").display
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.screen is setup
        assert not runs_dir.exists()
        assert setup.query_one("#setup-status").has_class("error")

        # Values valid one by one but not together are rejected under the form.
        split_train = setup.query_one("#field-splitter-train", ParamField)
        await type_into(pilot, split_train.query_one(Input), "0.9")
        assert split_train.error is None
        split_form = setup.query_one("#form-splitter", ParamsForm)
        assert split_form.check() is not None
        assert "add up to 1" in split_form.check()
        # A range error shows under its field. Messages with brackets are shown
        # as text, not parsed as markup.
        await type_into(pilot, split_train.query_one(Input), "5")
        shown = str(split_train.query_one(".param-error").render())
        assert "train must be in [0, 1)" in shown
        await type_into(pilot, split_train.query_one(Input), "0.7")
        assert split_form.check() is None

        await type_into(pilot, dropout.query_one(Input), "0.1")
        assert dropout.error is None
        assert not setup.query_one("#setup-status").has_class("error")

        # Start: the run trains in a worker until the gate stops it at epoch 2.
        await pilot.press("ctrl+r")
        await pilot.pause()
        train = app.train_screen
        assert app.screen is train
        await wait_for(pilot, gate.reached.is_set)
        assert train.running
        chart = train.query_one("#chart", LossChart)
        await wait_for(pilot, lambda: len(chart.train) >= 1)
        points_before = len(chart.train)

        # Stop, with confirmation. The run ends after the current batch.
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert train.stop_event.is_set()
        gate.release.set()
        await wait_for(pilot, lambda: not train.running)
        assert train.status == "interrupted"
        table = train.query_one("#epochs", DataTable)
        assert table.row_count >= 2
        assert len(chart.train) >= 2
        assert len(chart.train) > points_before
        run_dir = train.run_dir
        assert run_dir is not None
        record = json.loads((run_dir / "run.json").read_text())
        assert record["status"] == "interrupted"
        assert (run_dir / "checkpoints" / "last.json").is_file()

        # Resume continues to the last epoch and evaluates on test.
        await pilot.press("r")
        await pilot.pause()
        await wait_for(pilot, lambda: not train.running)
        assert train.status == "completed"
        assert table.row_count == 4
        assert len(chart.train) == 4
        outcome = str(train.query_one("#outcome").render())
        assert "completed" in outcome
        assert "rmse" in outcome
        assert "accuracy" not in outcome
        record = json.loads((run_dir / "run.json").read_text())
        assert record["status"] == "completed"
        assert record["epochs_done"] == 4
        assert set(record["metrics"]) == {"mse", "rmse", "mae"}
        checkpoints = run_dir / "checkpoints"
        for kind in ("last", "best"):
            assert (checkpoints / f"{kind}.json").is_file()
            assert list(checkpoints.glob(f"{kind}*.safetensors"))
        config_text = (run_dir / "config.toml").read_text()
        assert "dropout = 0.1" in config_text

        # The runs screen lists the run, and enter opens its details.
        await pilot.press("f3")
        await pilot.pause()
        runs = app.runs_screen
        assert app.screen is runs
        runs_table = runs.query_one("#runs", DataTable)
        assert runs_table.row_count == 1
        assert runs_table.get_cell(run_dir.name, "status") == "completed"
        runs_table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunDetailScreen)
        assert len(app.screen.query_one("#detail-chart", LossChart).train) == 4

        # The run recommends movies, and an unknown user gets a readable error.
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, RecommendScreen)
        recommend = app.screen
        table = recommend.query_one("#recommend-table", DataTable)
        note = recommend.query_one("#recommend-note")
        await type_into(pilot, recommend.query_one("#recommend-user", Input), "99999")
        await pilot.press("enter")
        await wait_for(pilot, lambda: note.has_class("error"))
        assert "99999" in str(note.render())
        await type_into(pilot, recommend.query_one("#recommend-user", Input), "1")
        await pilot.press("enter")
        await wait_for(pilot, lambda: table.row_count == 10)
        assert not note.has_class("error")
        assert str(table.get_row_at(0)[0]) == "1"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is runs


@run_async
async def test_quit_during_run_stops_worker(
    tmp_path: Path, registry: Registry, small_raw_config: dict
) -> None:
    small_raw_config["training"]["epochs"] = 50
    gate = EpochGate(epoch=1)
    app = NcfkitApp(
        runs_dir=tmp_path / "runs",
        config_path=write_config(tmp_path / "c.toml", small_raw_config),
        registry=registry,
        subscribers=[gate],
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+r")
        await wait_for(pilot, gate.reached.is_set)
        train = app.train_screen
        await pilot.press("ctrl+q")
        await pilot.pause()
        # Quitting needs a confirmation, which stops the worker before the app exits.
        await pilot.press("y")
        await pilot.pause()
        assert train.stop_event.is_set()
        assert app.is_running
        gate.release.set()
        await wait_for(pilot, lambda: not app.is_running)
    assert train.worker_done.is_set()
    assert not any(
        t.name.startswith("ThreadPoolExecutor") and t.is_alive() and _runs_training(t)
        for t in threading.enumerate()
    )
    record = json.loads(next((tmp_path / "runs").glob("*/run.json")).read_text())
    assert record["status"] == "interrupted"


def _runs_training(thread: threading.Thread) -> bool:
    frame = sys._current_frames().get(thread.ident or -1)
    if frame is None:
        return False
    return any("engine.py" in line.filename for line in traceback.extract_stack(frame))


@run_async
async def test_app_exit_without_confirm_still_stops_worker(
    tmp_path: Path, registry: Registry, small_raw_config: dict
) -> None:
    small_raw_config["training"]["epochs"] = 50
    gate = EpochGate(epoch=1)
    app = NcfkitApp(
        runs_dir=tmp_path / "runs",
        config_path=write_config(tmp_path / "c.toml", small_raw_config),
        registry=registry,
        subscribers=[gate],
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+r")
        await wait_for(pilot, gate.reached.is_set)
        train = app.train_screen
        gate.release.set()
        app.exit()
    # Leaving run_test unmounted the app, which stopped and joined the worker.
    assert train.worker_done.is_set()
    record = json.loads(next((tmp_path / "runs").glob("*/run.json")).read_text())
    assert record["status"] == "interrupted"
