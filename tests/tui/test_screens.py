"""Screens one at a time: failures, missing data, loading and saving configs, runs."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pandas as pd
import torch
from fake_runs import write_fake_run
from textual.widgets import DataTable, Input, Select, SelectionList
from tui_helpers import (
    columns_in_view,
    run_async,
    type_into,
    wait_for,
    write_config,
)

from ncfkit.components import Component, ModelShape
from ncfkit.config import default_raw_config, read_config_file, resolve_config
from ncfkit.hookspecs import hookimpl
from ncfkit.registry import Registry
from ncfkit.tui.app import NcfkitApp
from ncfkit.tui.form import ParamField
from ncfkit.tui.screens.dialogs import ConfirmScreen, OpenConfigScreen, SavePathScreen
from ncfkit.tui.screens.recommend import Recommendations, RecommendScreen
from ncfkit.tui.screens.runs import CompareScreen, compare_rows

SIZE = (100, 34)


class BrokenHead(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("broken head: forward is not implemented")


class BrokenPlugin:
    """A third-party plugin whose head raises during training."""

    @hookimpl
    def register_heads(self) -> list[Component]:
        def build(params: object, *, shape: ModelShape, features: object) -> BrokenHead:
            return BrokenHead()

        return [Component("broken", "a head that raises in forward", build)]


@run_async
async def test_plugin_failure_is_shown_and_recorded(
    tmp_path: Path, registry: Registry, small_raw_config: dict
) -> None:
    registry.add_plugin(BrokenPlugin(), "broken-plugin", version="0.0.1")
    small_raw_config["plugins"] = ["broken-plugin"]
    small_raw_config["head"] = {"name": "broken"}
    runs_dir = tmp_path / "runs"
    app = NcfkitApp(
        runs_dir=runs_dir,
        config_path=write_config(tmp_path / "c.toml", small_raw_config),
        registry=registry,
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # The installed plugin is listed and active, and offers its head.
        plugins = app.setup_screen.query_one("#plugins", SelectionList)
        assert plugins.selected == ["broken-plugin"]
        await pilot.press("ctrl+r")
        train = app.train_screen
        await wait_for(pilot, lambda: train.status == "failed" and not train.running)
        outcome = str(train.query_one("#outcome").render())
        assert "RuntimeError: broken head: forward is not implemented" in outcome
        assert "Traceback" not in outcome
        assert train.query_one("#outcome").has_class("error")
        record = json.loads(next(runs_dir.glob("*/run.json")).read_text())
        assert record["status"] == "failed"
        assert "broken head" in record["error"]

        # The app keeps working: the runs screen lists the failed run.
        await pilot.press("f3")
        await pilot.pause()
        table = app.runs_screen.query_one("#runs", DataTable)
        run_id = next(runs_dir.glob("*/run.json")).parent.name
        assert table.get_cell(run_id, "status") == "failed"


@run_async
async def test_missing_dataset_says_how_to_get_it(
    tmp_path: Path, registry: Registry, empty_data_dir: Path
) -> None:
    runs_dir = tmp_path / "runs"
    app = NcfkitApp(runs_dir=runs_dir, registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        hint = app.setup_screen.query_one("#data-hint")
        text = str(hint.render())
        assert f"ml-latest-small is not in {empty_data_dir}" in text
        # The download source is the one NCFKIT_DOWNLOAD_URL names, not GroupLens.
        assert "Start downloads http://127.0.0.1:9/none/ml-latest-small.zip" in text
        assert "NCFKIT_DOWNLOAD_URL" in text
        assert "grouplens.org" in text
        assert hint.has_class("warning")

        # Starting tries the download, which fails offline with a readable error.
        await pilot.press("ctrl+r")
        train = app.train_screen
        await wait_for(pilot, lambda: train.status == "failed" and not train.running)
        outcome = str(train.query_one("#outcome").render())
        assert "ml-latest-small" in outcome
        assert "Nothing was written" in outcome
        assert not list(runs_dir.glob("*/run.json"))

        # Entering a folder makes the data available without a download.
        await pilot.press("f1")
        await pilot.pause()
        data_path = app.setup_screen.query_one("#data-path", Input)
        await type_into(pilot, data_path, str(tmp_path / "missing"))
        assert "not found" in str(hint.render())


@run_async
async def test_save_writes_toml_that_resolves(
    tmp_path: Path, registry: Registry, small_raw_config: dict
) -> None:
    app = NcfkitApp(
        runs_dir=tmp_path / "runs",
        config_path=write_config(tmp_path / "c.toml", small_raw_config),
        registry=registry,
    )
    target = tmp_path / "saved" / "my-run.toml"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        setup = app.setup_screen
        epochs = setup.query_one("#field-training-epochs", ParamField)
        await type_into(pilot, epochs.query_one(Input), "7")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SavePathScreen)
        await type_into(pilot, app.screen.query_one("#save-path", Input), str(target))
        await pilot.press("enter")
        await pilot.pause()
        # What was saved counts as unchanged, so a reset needs no confirmation.
        assert not setup.has_changes()
    document = tomllib.loads(target.read_text())
    assert document["training"]["epochs"] == 7
    assert document["data"] == small_raw_config["data"]
    config = resolve_config(read_config_file(target), registry)
    assert config.training.epochs == 7
    assert config.training.batch_size == 64


@run_async
async def test_invalid_config_file_falls_back_to_defaults(
    tmp_path: Path, registry: Registry
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[head]\nname = "mlp"\ndropuot = 0.1\n', encoding="utf-8")
    app = NcfkitApp(runs_dir=tmp_path / "runs", config_path=bad, registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        setup = app.setup_screen
        assert setup.load_error is not None
        assert "dropout" in setup.load_error
        dropout = setup.query_one("#field-head-dropout", ParamField)
        assert dropout.value == "0.3"


@run_async
async def test_open_loads_a_past_runs_config(
    tmp_path: Path, registry: Registry
) -> None:
    runs_dir = tmp_path / "runs"
    write_fake_run(runs_dir, "20250102-030405-mlp-aaaa", registry=registry, dropout=0.2)
    app = NcfkitApp(runs_dir=runs_dir, registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, OpenConfigScreen)
        app.screen.query_one("#open-runs").focus()
        await pilot.press("enter")

        def dropout_shown() -> str | None:
            fields = app.setup_screen.query("#field-head-dropout").results(ParamField)
            return next((f.value for f in fields), None)

        await wait_for(pilot, lambda: dropout_shown() == "0.2")
        assert app.screen is app.setup_screen
        assert "20250102-030405-mlp-aaaa" in app.setup_screen.source


@run_async
async def test_runs_screen_compares_two_marked_runs(
    tmp_path: Path, registry: Registry
) -> None:
    runs_dir = tmp_path / "runs"
    write_fake_run(runs_dir, "20250102-030405-mlp-aaaa", registry=registry)
    write_fake_run(
        runs_dir,
        "20250103-030405-mlp-bbbb",
        registry=registry,
        dropout=0.1,
        test_rmse=0.91,
    )
    app = NcfkitApp(runs_dir=runs_dir, registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()
        runs = app.runs_screen
        table = runs.query_one("#runs", DataTable)
        assert table.row_count == 2
        await pilot.press("c")
        assert not isinstance(app.screen, CompareScreen)
        await pilot.press("space", "down", "space", "c")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        rows = {label: (a, b) for label, a, b in compare_rows(*app.screen.details)}
        assert rows["test rmse"] == ("0.9100", "0.9300")
        assert rows["head.dropout"] == ("0.1", "0.3")
        assert "training.epochs" not in rows


def test_compare_rows_lists_only_differing_config() -> None:
    def details(dropout: float) -> dict:
        raw = default_raw_config()
        raw["head"] = {"name": "mlp", "dropout": dropout}
        return {
            "record": {"status": "completed", "metrics": {"rmse": 0.9}},
            "metrics": {},
            "config_toml": f'[head]\nname = "mlp"\ndropout = {dropout}\n',
            "epochs": [],
        }

    rows = compare_rows(details(0.1), details(0.2))
    labels = [label for label, _, _ in rows]
    assert ("head.dropout", "0.1", "0.2") in rows
    assert "head.name" not in labels
    assert "config: 1 differ, 1 equal" in labels
    assert ("test rmse", "0.9000", "0.9000") in rows


async def _open_in_dialog(app: NcfkitApp, pilot: object, target: str) -> None:
    """Open the config dialog, then a typed path or, for "run", the first past run."""
    await pilot.press("ctrl+o")
    await pilot.pause()
    assert isinstance(app.screen, OpenConfigScreen)
    if target == "run":
        app.screen.query_one("#open-runs").focus()
    else:
        await type_into(pilot, app.screen.query_one("#open-path", Input), target)
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.setup_screen.source.endswith("config.toml"))
    await pilot.pause()


@run_async
async def test_keys_work_after_opening_a_config(
    tmp_path: Path, registry: Registry
) -> None:
    runs_dir = tmp_path / "runs"
    folder = write_fake_run(runs_dir, "20250102-030405-mlp-aaaa", registry=registry)
    app = NcfkitApp(runs_dir=runs_dir, registry=registry)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for target in (str(folder / "config.toml"), "run"):
            await _open_in_dialog(app, pilot, target)
            assert app.screen is app.setup_screen
            # Focus must sit on a widget of the rebuilt form, or no key reaches
            # the screen's and the app's bindings.
            assert app.focused is not None
            assert app.focused.is_attached
            assert "ctrl+r" in app.screen.active_bindings
            await pilot.press("f3")
            await pilot.pause()
            assert app.screen is app.runs_screen
            await pilot.press("f1")
            await pilot.pause()
            assert app.screen is app.setup_screen


@run_async
async def test_runs_table_keys_fit_80_columns(
    tmp_path: Path, registry: Registry
) -> None:
    runs_dir = tmp_path / "runs"
    write_fake_run(runs_dir, "20250102-030405-mlp-aaaa", registry=registry)
    folder = write_fake_run(
        runs_dir,
        "20250103-030405-biased-mf-b1b2",
        registry=registry,
        status="interrupted",
    )
    # A second dataset and a longer head make the table as wide as it gets.
    record_path = folder / "run.json"
    record = json.loads(record_path.read_text())
    record.update(dataset="my-movielens-copy", head="biased-mf")
    record_path.write_text(json.dumps(record), encoding="utf-8")
    app = NcfkitApp(runs_dir=runs_dir, registry=registry)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()
        table = app.runs_screen.query_one("#runs", DataTable)
        shown = columns_in_view(table)
        for label in ("run", "val", "test", "status"):
            assert label in shown
        cell = str(table.get_cell("20250103-030405-biased-mf-b1b2", "run"))
        assert cell.strip() == "20250103-030405-biased-mf-b1b2"
        assert table.fixed_columns == 1


@run_async
async def test_recommendations_show_stars_at_80_columns(
    tmp_path: Path, registry: Registry
) -> None:
    titles = [
        "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb (1964)",
        "Toy Story (1995)",
    ]
    frame = pd.DataFrame(
        {
            "rank": [1, 2],
            "movieId": [750, 1],
            "title": titles,
            "genres": [("Comedy", "War"), ("Adventure", "Animation", "Children")],
            "predicted": [4.61, 4.52],
        }
    )
    app = NcfkitApp(runs_dir=tmp_path / "runs", registry=registry)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = RecommendScreen(tmp_path / "runs" / "some-run", registry=registry)
        await app.push_screen(screen)
        await pilot.pause()
        screen.post_message(Recommendations(1, frame, None))
        table = screen.query_one("#recommend-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        shown = columns_in_view(table)
        assert shown == ["rank", "movieId", "title", "stars"]
        assert str(table.get_cell_at((0, 3))) == "4.61"
        long_title = str(table.get_cell_at((0, 2)))
        assert long_title.endswith("…")
        assert str(table.get_cell_at((1, 2))) == "Toy Story (1995)"


@run_async
async def test_range_error_shows_beside_type_error(
    tmp_path: Path, registry: Registry
) -> None:
    app = NcfkitApp(runs_dir=tmp_path / "runs", registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        setup = app.setup_screen
        embedding = setup.query_one("#field-head-embedding_dim", ParamField)
        dropout = setup.query_one("#field-head-dropout", ParamField)
        await type_into(pilot, embedding.query_one(Input), "eight")
        await type_into(pilot, dropout.query_one(Input), "1.5")

        # Each field shows its own error, the type error and the range error.
        assert embedding.error is not None
        assert "expected int" in embedding.error
        assert (
            dropout.error == "invalid head.dropout: dropout must be in [0, 1), got 1.5"
        )
        assert dropout.has_class("-invalid")
        assert dropout.query_one(".param-error").display
        status = str(setup.query_one("#setup-status").render())
        assert "(+1 more)" in status

        # With the type fixed, the range error still names its field.
        await type_into(pilot, embedding.query_one(Input), "8")
        assert embedding.error is None
        assert not embedding.has_class("-invalid")
        status = str(setup.query_one("#setup-status").render())
        assert "head.dropout" in status
        await type_into(pilot, dropout.query_one(Input), "0.2")
        assert dropout.error is None
        assert not setup.query_one("#setup-status").has_class("error")


@run_async
async def test_set_error_marks_the_fields_it_names(
    tmp_path: Path, registry: Registry
) -> None:
    app = NcfkitApp(runs_dir=tmp_path / "runs", registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        setup = app.setup_screen
        train = setup.query_one("#field-splitter-train", ParamField)
        await type_into(pilot, train.query_one(Input), "0.9")

        # Fractions valid one by one but not together: the form shows the error
        # and marks each fraction, and no field claims it as its own.
        form = setup.query_one("#form-splitter")
        assert "add up to 1" in str(form.query_one(".form-error").render())
        for name in ("train", "validation", "test"):
            field = setup.query_one(f"#field-splitter-{name}", ParamField)
            assert field.has_class("-named")
            assert field.error is None
        seed = setup.query_one("#field-training-seed", ParamField)
        assert not seed.has_class("-named")


@run_async
async def test_reset_asks_when_form_changed(tmp_path: Path, registry: Registry) -> None:
    app = NcfkitApp(runs_dir=tmp_path / "runs", registry=registry)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        setup = app.setup_screen

        def epochs_shown() -> str:
            return setup.query_one("#field-training-epochs", ParamField).value

        default_epochs = epochs_shown()
        # An unchanged form resets without a question.
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen is setup

        epochs = setup.query_one("#field-training-epochs", ParamField)
        await type_into(pilot, epochs.query_one(Input), "7")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is setup
        assert epochs_shown() == "7"

        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: epochs_shown() == default_epochs)
        assert app.screen is setup
        assert not setup.has_changes()
        # The app still handles keys after the form was rebuilt.
        await pilot.press("f3")
        await pilot.pause()
        assert app.screen is app.runs_screen


@run_async
async def test_load_while_a_change_is_queued(
    tmp_path: Path, registry: Registry
) -> None:
    runs_dir = tmp_path / "runs"
    folder = write_fake_run(runs_dir, "20250102-030405-mlp-aaaa", registry=registry)
    app = NcfkitApp(runs_dir=runs_dir, registry=registry)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        setup = app.setup_screen
        for _ in range(3):
            # The head's Changed message is still queued when the form is
            # rebuilt, as when keys arrive while a config loads.
            setup.query_one("#head", Select).value = "gmf"
            await setup.load_file(folder / "config.toml")
            await setup.load_file(folder / "config.toml")
        for _ in range(5):
            await pilot.pause(0.05)
        assert app.is_running
        assert setup.query_one("#head", Select).value == "mlp"
        dropout = setup.query_one("#field-head-dropout", ParamField)
        assert dropout.value == "0.3"
        assert not setup.has_changes()


@run_async
async def test_runs_screen_opens_recommendations_and_configs(
    tmp_path: Path, registry: Registry
) -> None:
    runs_dir = tmp_path / "runs"
    write_fake_run(runs_dir, "20250102-030405-mlp-aaaa", registry=registry)
    app = NcfkitApp(runs_dir=runs_dir, registry=registry)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, RecommendScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.runs_screen

        # ctrl+o opens the config dialog here too, and loads into the setup screen.
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, OpenConfigScreen)
        app.screen.query_one("#open-runs").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.setup_screen.source.endswith("config.toml"))
        await pilot.pause()
        assert app.screen is app.setup_screen
        assert app.focused is not None
        assert app.focused.is_attached


@run_async
async def test_open_dialog_explains_empty_path(
    tmp_path: Path, registry: Registry
) -> None:
    app = NcfkitApp(runs_dir=tmp_path / "runs", registry=registry)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OpenConfigScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        note = str(dialog.query_one("#open-note").render())
        assert note.startswith("enter a path")
        assert "not found" not in note
