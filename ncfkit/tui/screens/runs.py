"""Past runs: the list, one run's details, and two runs side by side."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from ncfkit.runs import RunSummary, list_runs, read_run
from ncfkit.tui.chart import LossChart
from ncfkit.tui.navbar import NavBar
from ncfkit.tui.screens.recommend import RecommendScreen

MARK = "●"
# Widths of the columns a long value would push the RMSE columns out of view.
HEAD_WIDTH = 12
DATASET_WIDTH = 18
# The run ids that RunFolder.create makes: UTC date-time, head, 4 hex digits.


class UseConfig(Message):
    """Load a run's config into the setup screen."""

    def __init__(self, config_path: Path) -> None:
        super().__init__()
        self.config_path = config_path


class ResumeRun(Message):
    """Continue an interrupted run on the training screen."""

    def __init__(self, run_dir: Path) -> None:
        super().__init__()
        self.run_dir = run_dir


class RunsScreen(Screen[None]):
    """The table of past runs, of which two can be marked for comparison."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Enter also opens a run, and the help line under the table shows it.
        Binding("o", "open", "Open", show=False),
        Binding("space", "mark", "Mark"),
        Binding("c", "compare", "Compare"),
        Binding("m", "recommend", "Recommend"),
        Binding("u", "use_config", "Use config"),
        Binding("r", "resume", "Resume"),
        # Left out of the footer, which has no room for it at 80 columns. The
        # command palette lists it.
        Binding("g", "refresh", "Refresh", show=False),
    ]

    def __init__(self, *, runs_dir: Path) -> None:
        super().__init__()
        self.runs_dir = runs_dir
        self.runs: list[RunSummary] = []
        self.marked: list[str] = []

    def compose(self) -> ComposeResult:
        yield NavBar("runs")
        yield Static("", id="runs-title", markup=False)
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static(
            "enter or o opens a run · space marks two runs, c compares them · "
            "u loads a run's config into the setup screen",
            id="runs-help",
            markup=False,
        )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.refresh_runs()

    def on_screen_resume(self) -> None:
        self.refresh_runs()

    def refresh_runs(self) -> None:
        """Read the runs folder again and redraw the table, keeping the cursor."""
        table = self.query_one("#runs", DataTable)
        current = self._current_id()
        self.runs = list_runs(self.runs_dir)
        known = {r.id for r in self.runs}
        self.marked = [m for m in self.marked if m in known]

        datasets = sorted({r.dataset for r in self.runs})
        # The dataset column is shown only when the runs differ in their dataset.
        show_dataset = len(datasets) > 1
        rows = []
        for run in self.runs:
            cells: list[str | Text] = [
                self._run_cell(run),
                _number(run.best_validation_rmse),
                _number(run.test_rmse),
                f"{run.epochs_done}/{run.epochs}",
                run.status,
                _clip(run.head, HEAD_WIDTH),
            ]
            if show_dataset:
                cells.append(_clip(run.dataset, DATASET_WIDTH))
            rows.append((run.id, cells))

        labels = ["run", "val", "test", "epochs", "status", "head"]
        labels += ["dataset"] if show_dataset else []
        table.clear(columns=True)
        for index, label in enumerate(labels):
            # Explicit widths, because a cleared table keeps the widths of the
            # labels alone. The run, val and test columns come first, so they fit
            # in 80 columns whatever the others hold.
            width = max([len(label), *(len(str(c[index])) for _, c in rows)])
            table.add_column(label, key=label, width=width)
        # The run column stays in view when the table scrolls to the right.
        table.fixed_columns = 1
        for run_id, cells in rows:
            table.add_row(*cells, key=run_id)
        if current in known:
            table.move_cursor(row=table.get_row_index(current))
        count = len(self.runs)
        title = f"{count} run{'s' if count != 1 else ''} in {self.runs_dir}"
        if len(datasets) == 1:
            title += f" on {datasets[0]}"
        title += " · val and test RMSE in stars"
        self.query_one("#runs-title", Static).update(
            title
            if count
            else f"No runs in {self.runs_dir} yet: start one on the setup screen (f1)."
        )

    def _run_cell(self, run: RunSummary) -> Text:
        # The whole id, because it is what `-c runs/<id>/...` and --resume take.
        if run.id in self.marked:
            return Text(f"{MARK} {run.id}", style="bold")
        return Text(f"  {run.id}")

    def _current_id(self) -> str | None:
        table = self.query_one("#runs", DataTable)
        if not self.runs or table.row_count == 0:
            return None
        row = table.cursor_row
        if row < 0 or row >= len(self.runs):
            return None
        return self.runs[row].id

    def _current(self) -> RunSummary | None:
        current = self._current_id()
        return next((r for r in self.runs if r.id == current), None)

    @on(DataTable.RowSelected, "#runs")
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        run = self._current()
        if run is not None:
            self.app.push_screen(RunDetailScreen(run.path))

    def action_mark(self) -> None:
        run = self._current()
        if run is None:
            return
        if run.id in self.marked:
            self.marked.remove(run.id)
        else:
            self.marked.append(run.id)
            # Keep the two most recent marks: a third mark replaces the oldest.
            self.marked = self.marked[-2:]
        table = self.query_one("#runs", DataTable)
        for other in self.runs:
            table.update_cell(other.id, "run", self._run_cell(other))

    def action_compare(self) -> None:
        if len(self.marked) != 2:
            self.notify(
                "Mark two runs with space first, then press c",
                severity="warning",
                markup=False,
            )
            return
        first, second = (self.runs_dir / run_id for run_id in self.marked)
        self.app.push_screen(CompareScreen(first, second))

    def action_recommend(self) -> None:
        run = self._current()
        if run is not None:
            open_recommendations(self.app, run.path)

    def action_use_config(self) -> None:
        run = self._current()
        if run is not None:
            self.post_message(UseConfig(run.path / "config.toml"))

    def action_resume(self) -> None:
        run = self._current()
        if run is None:
            return
        if run.status not in ("interrupted", "failed"):
            self.notify(
                f"Run {run.id} is {run.status}; only interrupted or failed runs resume",
                severity="warning",
                markup=False,
            )
            return
        self.post_message(ResumeRun(run.path))

    def action_refresh(self) -> None:
        self.refresh_runs()


class RunDetailScreen(Screen[None]):
    """One run: loss curves and epochs, metrics and checkpoints, config."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("u", "use_config", "Use config"),
        Binding("r", "resume", "Resume"),
        Binding("m", "recommend", "Recommend"),
    ]

    def __init__(self, run_dir: Path) -> None:
        super().__init__()
        self.run_dir = run_dir
        self.details = read_run(run_dir)

    def compose(self) -> ComposeResult:
        yield Static(
            _run_title(self.details["record"]), id="detail-title", markup=False
        )
        with TabbedContent(id="detail-tabs"):
            with TabPane("Curves", id="tab-curves"), Horizontal(id="detail-curves"):
                yield DataTable(id="detail-epochs", cursor_type="row")
                yield LossChart(id="detail-chart")
            with TabPane("Metrics", id="tab-metrics"), VerticalScroll():
                yield DataTable(id="detail-metrics", cursor_type="row")
                yield Static(self._files_text(), id="detail-files", markup=False)
            with TabPane("Config", id="tab-config"), VerticalScroll():
                yield Static(
                    self.details["config_toml"] or "no config.toml in this run",
                    id="detail-config",
                    markup=False,
                )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        epochs = self.details["epochs"]
        best = self.details["record"].get("best_epoch")
        table = self.query_one("#detail-epochs", DataTable)
        table.add_columns("epoch", "train", "validation", "s", "")
        for record in epochs:
            table.add_row(
                str(record.get("epoch")),
                _number(record.get("train_loss"), 5),
                _number(record.get("validation_loss"), 5),
                _number(record.get("seconds"), 1),
                "best" if record.get("epoch") == best else "",
            )
        self.query_one("#detail-chart", LossChart).set_losses(
            [e.get("train_loss") for e in epochs],
            [e.get("validation_loss") for e in epochs],
        )
        metrics = self.query_one("#detail-metrics", DataTable)
        metrics.add_columns("metric", "validation", "test")
        for name, (validation, test) in _metric_rows(self.details).items():
            metrics.add_row(name, _number(validation), _number(test))

    def _files_text(self) -> str:
        record = self.details["record"]
        lines = [f"folder {self.run_dir}"]
        checkpoints = self.run_dir / "checkpoints"
        names = (
            sorted(p.name for p in checkpoints.glob("*"))
            if checkpoints.is_dir()
            else []
        )
        lines.append("checkpoints " + (", ".join(names) if names else "none"))
        if record.get("error"):
            lines.append(f"error: {record['error']}")
        return "\n".join(lines)

    def action_use_config(self) -> None:
        self.post_message(UseConfig(self.run_dir / "config.toml"))

    def action_recommend(self) -> None:
        open_recommendations(self.app, self.run_dir)

    def action_resume(self) -> None:
        status = self.details["record"].get("status")
        if status not in ("interrupted", "failed"):
            self.notify(
                f"This run is {status}; only interrupted or failed runs resume",
                markup=False,
            )
            return
        self.post_message(ResumeRun(self.run_dir))


class CompareScreen(Screen[None]):
    """Two runs side by side: loss curves, metrics and the config differences."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back")
    ]

    def __init__(self, first: Path, second: Path) -> None:
        super().__init__()
        self.paths = (first, second)
        self.details = (read_run(first), read_run(second))

    def compose(self) -> ComposeResult:
        first, second = self.paths
        yield Static(
            f"A {first.name}  vs  B {second.name}", id="compare-title", markup=False
        )
        with VerticalScroll(id="compare-body"):
            with Horizontal(id="compare-charts"):
                yield LossChart(title="A", id="compare-chart-a")
                yield LossChart(title="B", id="compare-chart-b")
            yield DataTable(id="compare-table", cursor_type="row")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for details, chart_id in zip(self.details, ("a", "b")):
            epochs = details["epochs"]
            self.query_one(f"#compare-chart-{chart_id}", LossChart).set_losses(
                [e.get("train_loss") for e in epochs],
                [e.get("validation_loss") for e in epochs],
            )
        table = self.query_one("#compare-table", DataTable)
        table.add_columns("", "A", "B")
        for label, a, b in compare_rows(*self.details):
            table.add_row(Text(label), Text(a), Text(b))


def open_recommendations(app: App[object], run_dir: Path) -> None:
    """Push the recommendations screen of a run that has a best checkpoint."""
    if not (run_dir / "checkpoints" / "best.json").is_file():
        app.notify(
            f"Run {run_dir.name} has no best checkpoint yet: train at least one epoch",
            severity="warning",
            markup=False,
        )
        return
    registry = getattr(app, "registry", None)
    app.push_screen(RecommendScreen(run_dir, registry=registry))


def compare_rows(
    first: dict[str, Any], second: dict[str, Any]
) -> list[tuple[str, str, str]]:
    """Return (label, A, B) rows: status, epochs, metrics, then config differences."""
    rows = []
    for key in ("status", "dataset", "head", "epochs_done", "best_epoch"):
        rows.append(
            (key, str(first["record"].get(key, "")), str(second["record"].get(key, "")))
        )
    for label, loss_key in (("best val loss", "best_validation_loss"),):
        rows.append(
            (
                label,
                _number(first["record"].get(loss_key), 5),
                _number(second["record"].get(loss_key), 5),
            )
        )
    metrics_a, metrics_b = _metric_rows(first), _metric_rows(second)
    for name in dict.fromkeys([*metrics_a, *metrics_b]):
        a = metrics_a.get(name, (None, None))[1]
        b = metrics_b.get(name, (None, None))[1]
        rows.append((f"test {name}", _number(a), _number(b)))
    config_a = _flatten_config(first["config_toml"])
    config_b = _flatten_config(second["config_toml"])
    differing = [
        key
        for key in dict.fromkeys([*config_a, *config_b])
        if config_a.get(key) != config_b.get(key)
    ]
    same = len(set(config_a) | set(config_b)) - len(differing)
    rows.append((f"config: {len(differing)} differ, {same} equal", "", ""))
    for key in differing:
        rows.append((key, config_a.get(key, "–"), config_b.get(key, "–")))
    return rows


def _metric_rows(details: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Return metric name -> (validation value, test value)."""
    metrics = details.get("metrics") or {}
    validation = metrics.get("validation") or {}
    test = metrics.get("test") or details["record"].get("metrics") or {}
    names = dict.fromkeys([*validation, *test])
    return {name: (validation.get(name), test.get(name)) for name in names}


def _flatten_config(text: str) -> dict[str, str]:
    """Flatten a config TOML to dotted keys, with listed components by name."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}
    flat: dict[str, str] = {}
    for key, value in document.items():
        if isinstance(value, dict):
            for param, item in value.items():
                flat[f"{key}.{param}"] = _plain(item)
        elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
            flat[key] = ", ".join(str(v.get("name")) for v in value) or "none"
            for entry in value:
                for param, item in entry.items():
                    if param != "name":
                        flat[f"{key}.{entry.get('name')}.{param}"] = _plain(item)
        else:
            flat[key] = _plain(value)
    return flat


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _run_title(record: dict[str, Any]) -> str:
    created = str(record.get("created", ""))[:16].replace("T", " ")
    return (
        f"{record.get('id', '?')} · {record.get('status', '?')} · "
        f"{record.get('dataset', '?')} · {record.get('head', '?')} · "
        f"{record.get('epochs_done', 0)}/{record.get('epochs', '?')} epochs · "
        f"{created} UTC"
    )


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _number(value: Any, digits: int = 4) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "–"
    if isinstance(value, float) and not math.isfinite(value):
        return "–"
    return f"{value:.{digits}f}"
