"""The setup screen: assemble a run config from what the registry offers."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import (
    Collapsible,
    Footer,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
)
from textual.widgets.selection_list import Selection

from ncfkit.components import Kind
from ncfkit.config import (
    RunConfig,
    TrainingConfig,
    default_raw_config,
    read_config_file,
    resolve_config,
)
from ncfkit.errors import ConfigError
from ncfkit.params import param_specs
from ncfkit.registry import Registry
from ncfkit.tui.datahint import data_hint, known_dataset_names
from ncfkit.tui.form import ParamField, ParamsForm, widget_id
from ncfkit.tui.navbar import NavBar
from ncfkit.tui.screens.dialogs import ConfirmScreen

# Config sections that list several components, with the kind each lists.
LISTED_SECTIONS: dict[str, Kind] = {
    "filters": "filter",
    "features": "features",
    "metrics": "metric",
}
# Config sections that name exactly one component.
SINGLE_SECTIONS: dict[str, Kind] = {"splitter": "splitter", "head": "head"}


class SetupScreen(Screen[None]):
    """Generated, validated forms for every part of a run config."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "start", "Start"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+o", "open", "Open"),
        Binding("ctrl+n", "defaults", "Reset"),
    ]

    class StartRequested(Message):
        """The user asked to train the assembled, valid config."""

        def __init__(self, config: RunConfig) -> None:
            super().__init__()
            self.config = config

    class SaveRequested(Message):
        """The user asked to save the assembled, valid config."""

        def __init__(self, config: RunConfig) -> None:
            super().__init__()
            self.config = config

    def __init__(
        self,
        *,
        registry: Registry,
        raw: dict[str, Any],
        source: str,
        data_dir: Path | None,
    ) -> None:
        super().__init__()
        self.registry = registry
        self.data_dir = data_dir
        self.source = source
        self.load_error: str | None = None
        self.raw = self._normalise(raw)
        # Values typed for a component, kept when the user picks another one and
        # restored when they pick it again: (section, name) -> raw values.
        self._remembered: dict[tuple[str, str], dict[str, Any]] = {}
        self._order: dict[str, list[str]] = {}
        self.status_message = ""
        # The raw config the form showed when it was last loaded or saved.
        self._baseline: dict[str, Any] = {}
        self._rebuilding = False

    # Building the form

    def compose(self) -> ComposeResult:
        raw = self.raw
        yield NavBar("setup")
        plugins = list(raw.get("plugins", []))
        yield Static(f"Run setup · {self.source}", id="setup-title", markup=False)
        with VerticalScroll(id="setup-form"):
            with Collapsible(title="Data", collapsed=False, id="section-data"):
                yield from self._compose_data(raw)
            with Collapsible(
                title="Plugins",
                collapsed=not self.registry.third_party(),
                id="section-plugins",
            ):
                yield from self._compose_plugins(plugins)
            for section, title in (("filters", "Filters"),):
                yield from self._compose_listed(section, title, raw, plugins)
            yield from self._compose_single("splitter", "Split", raw, plugins)
            yield from self._compose_single("head", "Head", raw, plugins)
            if self.registry.components("features", active=plugins):
                yield from self._compose_listed("features", "Features", raw, plugins)
            yield from self._compose_listed("metrics", "Metrics", raw, plugins)
            with Collapsible(title="Training", collapsed=False, id="section-training"):
                yield ParamsForm(
                    TrainingConfig, dict(raw.get("training", {})), where="training"
                )
        yield Static("", id="field-help", markup=False)
        yield Static("", id="setup-status", markup=False)
        yield Footer(compact=True)

    def _compose_data(self, raw: dict[str, Any]) -> ComposeResult:
        names = known_dataset_names()
        dataset = raw.get("dataset", names[0])
        if dataset not in names:
            names.append(dataset)
        with Horizontal(classes="param-row"):
            yield Label("dataset", classes="param-name", markup=False)
            yield Select(
                [(Text(n), n) for n in names],
                value=dataset,
                allow_blank=False,
                compact=True,
                id="dataset",
            )
        with Horizontal(classes="param-row"):
            yield Label("data path", classes="param-name", markup=False)
            yield Input(
                raw.get("data", ""),
                placeholder="folder or .zip; empty: the dataset above",
                compact=True,
                id="data-path",
            )
        yield Static("", id="data-hint", markup=False)

    def _compose_plugins(self, active: list[str]) -> ComposeResult:
        plugins = self.registry.third_party()
        if not plugins:
            yield Static(
                "No plugin packages installed. Installed packages that register "
                "in the 'ncfkit' entry-point group appear here.",
                classes="note",
                markup=False,
            )
            return
        selections = []
        for info in plugins:
            label = f"{info.name} {info.version or ''}".strip()
            if info.error is not None:
                label += f" (failed to load: {info.error})"
            selections.append(
                Selection(
                    Text(label),
                    info.name,
                    info.name in active,
                    disabled=info.error is not None,
                )
            )
        yield SelectionList[str](*selections, id="plugins", compact=True)

    def _compose_listed(
        self, section: str, title: str, raw: dict[str, Any], plugins: list[str]
    ) -> ComposeResult:
        kind = LISTED_SECTIONS[section]
        available = self.registry.components(kind, active=plugins)
        names = [r.component.name for r in available]
        entries = [_entry(e) for e in raw.get(section, [])]
        chosen = [e["name"] for e in entries if e["name"] in names]
        self._order[section] = chosen
        with Collapsible(title=title, collapsed=False, id=f"section-{section}"):
            yield SelectionList[str](
                *(
                    Selection(
                        Text(f"{r.component.name}: {r.component.description}"),
                        r.component.name,
                        r.component.name in chosen,
                    )
                    for r in available
                ),
                id=section,
                compact=True,
            )
            with Vertical(id=f"{section}-forms"):
                for entry in entries:
                    if entry["name"] in chosen:
                        form = self._listed_form(section, entry["name"], entry)
                        if form is not None:
                            yield form

    def _listed_form(
        self, section: str, name: str, values: dict[str, Any]
    ) -> ParamsForm | None:
        params = self.registry.get(LISTED_SECTIONS[section], name).component.params
        if not param_specs(params):
            return None
        values = {k: v for k, v in values.items() if k != "name"}
        return ParamsForm(
            params,
            values,
            where=f"{section}.{name}",
            title=name,
            component=name,
            id=widget_id("form", section, name),
        )

    def _compose_single(
        self, section: str, title: str, raw: dict[str, Any], plugins: list[str]
    ) -> ComposeResult:
        kind = SINGLE_SECTIONS[section]
        available = self.registry.components(kind, active=plugins)
        names = [r.component.name for r in available]
        entry = _entry(raw.get(section) or {"name": names[0]})
        if entry["name"] not in names:
            entry = {"name": names[0]}
        with Collapsible(title=title, collapsed=False, id=f"section-{section}"):
            with Horizontal(classes="param-row"):
                yield Label(section, classes="param-name", markup=False)
                yield Select(
                    [
                        (
                            Text(f"{r.component.name}: {r.component.description}"),
                            r.component.name,
                        )
                        for r in available
                    ],
                    value=entry["name"],
                    allow_blank=False,
                    compact=True,
                    id=section,
                )
            yield Static(
                self._requires_note(section, entry["name"]),
                classes="note requires",
                markup=False,
            )
            with Vertical(id=f"{section}-forms"):
                yield self._single_form(section, entry["name"], entry)

    def _single_form(
        self, section: str, name: str, values: dict[str, Any]
    ) -> ParamsForm:
        params = self.registry.get(SINGLE_SECTIONS[section], name).component.params
        values = {k: v for k, v in values.items() if k != "name"}
        return ParamsForm(params, values, where=section, component=name)

    def _requires_note(self, section: str, name: str) -> str:
        if section != "head":
            return ""
        required = self.registry.get("head", name).component.requires
        if not required:
            return ""
        return f"uses the feature providers {', '.join(required)} (added for you)"

    def on_mount(self) -> None:
        self.query_one("#setup-form").focus()
        self.mark_unchanged()
        self.validate()
        if self.load_error:
            self.notify(self.load_error, severity="error", timeout=10, markup=False)

    # Reading the form

    def raw_config(self) -> dict[str, Any]:
        """Return the raw config the form shows, as `resolve_config` takes it."""
        raw: dict[str, Any] = {
            "dataset": self.query_one("#dataset", Select).value,
            "data": self.query_one("#data-path", Input).value.strip(),
            "plugins": self._active_plugins(),
        }
        for section in LISTED_SECTIONS:
            raw[section] = [
                {"name": name, **self._form_values(section, name)}
                for name in self._order.get(section, [])
            ]
        for section in SINGLE_SECTIONS:
            name = self.query_one(f"#{section}", Select).value
            form = self.query_one(f"#{section}-forms", Vertical).query(ParamsForm)
            values = form.first().values() if form else {}
            raw[section] = {"name": name, **values}
        raw["training"] = self.query_one("#form-training", ParamsForm).values()
        return raw

    def has_changes(self) -> bool:
        """Return whether the form differs from what was last loaded or saved."""
        return self.raw_config() != self._baseline

    def mark_unchanged(self) -> None:
        """Take what the form shows now as loaded or saved."""
        self._baseline = self.raw_config()

    def _active_plugins(self) -> list[str]:
        found = self.query("#plugins")
        if not found:
            return list(self.raw.get("plugins", []))
        return list(self.query_one("#plugins", SelectionList).selected)

    def _form_values(self, section: str, name: str) -> dict[str, Any]:
        found = self.query(f"#{widget_id('form', section, name)}")
        return found.first(ParamsForm).values() if found else {}

    def field_errors(self) -> list[tuple[str, str]]:
        """Return (where, error) for every invalid field and parameter set."""
        errors = []
        for form in self.query(ParamsForm):
            # The check first, because it sets the fields' range errors.
            problem = form.check()
            for field in form.fields:
                if field.error:
                    errors.append((field.where, field.error))
            if problem:
                errors.append((form.where, problem))
        return errors

    def validate(self) -> RunConfig | None:
        """Check the whole form, show the outcome, and return the config if valid."""
        dataset = self.query_one("#dataset", Select).value
        data = self.query_one("#data-path", Input).value.strip()
        hint = data_hint(str(dataset), data, data_dir=self.data_dir)
        hint_widget = self.query_one("#data-hint", Static)
        hint_widget.update(hint.text)
        hint_widget.set_class(not hint.ok, "warning")

        status = self.query_one("#setup-status", Static)
        errors = self.field_errors()
        config = None
        if errors:
            _, error = errors[0]
            more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
            message = f"✗ {error}{more}"
        else:
            try:
                config = resolve_config(self.raw_config(), self.registry)
            except ConfigError as error:
                message = f"✗ {error}"
            else:
                message = (
                    f"✓ ready: {config.head.name} on {config.data or config.dataset}, "
                    f"{config.training.epochs} epochs · ctrl+r starts"
                )
        self.status_message = message
        status.update(message)
        status.set_class(config is None, "error")
        return config

    # Events

    # A rebuild of the form (a config loaded, say) removes every widget while
    # their messages may still wait in the queue, and the new widgets post
    # Changed as they mount. The handlers below skip messages that arrive during
    # a rebuild or come from widgets it replaced, because the widgets they query
    # are gone then. `load` validates the new form itself.

    @on(ParamField.Changed)
    @on(Input.Changed, "#data-path")
    @on(Select.Changed, "#dataset")
    def _revalidate(self) -> None:
        if not self._rebuilding:
            self.validate()

    @on(Select.Changed, "#splitter, #head")
    async def _single_changed(self, event: Select.Changed) -> None:
        if not self._shows(event.select):
            return
        section = event.select.id or ""
        name = str(event.value)
        container = self.query_one(f"#{section}-forms", Vertical)
        previous = container.query(ParamsForm)
        if previous:
            old = previous.first()
            if old.component == name:
                # A Select posts Changed when it mounts, with the value it shows.
                return
            self._remembered[(section, old.component)] = old.values()
        await container.remove_children()
        values = self._remembered.get((section, name), {})
        await container.mount(self._single_form(section, name, values))
        if self._rebuilding or not container.is_attached:
            return
        self.query_one(f"#section-{section} .requires", Static).update(
            self._requires_note(section, name)
        )
        self.validate()

    @on(SelectionList.SelectedChanged, "#filters, #features, #metrics")
    async def _listed_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        if not self._shows(event.selection_list):
            return
        section = event.selection_list.id or ""
        selected = list(event.selection_list.selected)
        order = self._order.setdefault(section, [])
        container = self.query_one(f"#{section}-forms", Vertical)
        for name in [n for n in order if n not in selected]:
            order.remove(name)
            found = self.query(f"#{widget_id('form', section, name)}")
            if found:
                self._remembered[(section, name)] = found.first(ParamsForm).values()
                await found.remove()
        for name in [n for n in selected if n not in order]:
            order.append(name)
            form = self._listed_form(
                section, name, self._remembered.get((section, name), {})
            )
            if form is not None:
                await container.mount(form)
        if not self._rebuilding and container.is_attached:
            self.validate()

    def _shows(self, widget: Widget) -> bool:
        """Return whether `widget` is part of the form shown now and no rebuild
        runs."""
        if self._rebuilding or widget.id is None:
            return False
        return any(found is widget for found in self.query(f"#{widget.id}"))

    @on(SelectionList.SelectedChanged, "#plugins")
    async def _plugins_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        if not self._shows(event.selection_list):
            return
        # The active plugins decide which components every section offers, so
        # the whole form is built again from what it shows now.
        baseline = self._baseline
        await self.load(self.raw_config(), self.source)
        self._baseline = baseline

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        help_text = ""
        for node in event.widget.ancestors_with_self:
            if isinstance(node, ParamField):
                help_text = node.description
                break
        # Focus can move while the form is being rebuilt and has no help line.
        for line in self.query("#field-help").results(Static):
            line.update(help_text)

    # Actions

    def action_start(self) -> None:
        config = self._checked_config("start")
        if config is not None:
            self.post_message(self.StartRequested(config))

    def action_save(self) -> None:
        config = self._checked_config("save")
        if config is not None:
            self.post_message(self.SaveRequested(config))

    async def action_open(self) -> None:
        # The app opens the dialog, because it also serves the runs screen.
        await self.app.run_action("open_config")

    async def action_defaults(self) -> None:
        if not self.has_changes():
            await self._reset()
            return

        async def answered(reset: bool | None) -> None:
            if reset:
                await self._reset()

        self.app.push_screen(
            ConfirmScreen(
                "Discard the changes in the form and reset it to the reference "
                "experiment's defaults?",
                yes="Reset",
                no="Keep editing",
            ),
            answered,
        )

    async def _reset(self) -> None:
        await self.load(default_raw_config(), "defaults")
        self.notify("Reset to the reference experiment's defaults", markup=False)

    def _checked_config(self, verb: str) -> RunConfig | None:
        config = self.validate()
        if config is None:
            errors = self.field_errors()
            if errors:
                self._focus_field(errors[0][0])
            self.notify(
                f"Cannot {verb}: {self.status_message.removeprefix('✗ ')}",
                severity="error",
                timeout=8,
                markup=False,
            )
        return config

    def _focus_field(self, where: str) -> None:
        found = self.query(f"#{widget_id('field', where)}")
        target = found.first() if found else None
        if target is None:
            forms = [f for f in self.query(ParamsForm) if f.where == where]
            target = forms[0] if forms else None
        if target is None:
            return
        focusable = [w for w in target.query("*") if w.focusable]
        if focusable:
            focusable[0].focus()
        target.scroll_visible()

    # Loading

    async def load(self, raw: dict[str, Any], source: str) -> None:
        """Show `raw` in the form; a config that does not resolve is shown as far
        as it can be, with its error."""
        self.load_error = None
        self.source = source
        self.raw = self._normalise(raw)
        self._remembered.clear()
        self._rebuilding = True
        try:
            await self.recompose()
        finally:
            self._rebuilding = False
        # When a dialog over this screen has just closed, the screen's resume
        # handler runs during the rebuild and auto-focuses an old widget that the
        # rebuild then removes. Keys sent to a removed widget reach no binding,
        # so the app would ignore every key. Focus the new form instead.
        self.set_focus(self.query_one("#setup-form"))
        self.mark_unchanged()
        self.validate()
        if self.load_error:
            self.notify(self.load_error, severity="error", timeout=10, markup=False)

    async def load_file(self, path: Path) -> bool:
        """Load a TOML config file; notify and return False when it is invalid."""
        try:
            raw = read_config_file(path)
        except ConfigError as error:
            self.notify(str(error), severity="error", timeout=10, markup=False)
            return False
        await self.load(raw, str(path))
        return True

    def _normalise(self, raw: dict[str, Any]) -> dict[str, Any]:
        try:
            return resolve_config(raw, self.registry).to_raw()
        except ConfigError as error:
            self.load_error = f"config from {self.source} is invalid: {error}"
            fallback = copy.deepcopy(default_raw_config())
            fallback.update(copy.deepcopy(raw))
            return fallback


def _entry(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"name": value}
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return dict(value)
    return {"name": ""}
