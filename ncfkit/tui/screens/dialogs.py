"""Modal dialogs: a yes/no confirmation, a path to save to, a config to open."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ncfkit.runs import RunSummary


class ConfirmScreen(ModalScreen[bool]):
    """A question with Yes and No buttons. The screen dismisses with the choice."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-question", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button(f"{self.no} (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class SavePathScreen(ModalScreen[Path | None]):
    """A prompt for the file to write a config to, with a warning before replacing one."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default: Path) -> None:
        super().__init__(classes="dialog-screen")
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                "Save the config as TOML (enter saves, escape cancels)", markup=False
            )
            yield Input(str(self.default), id="save-path")
            yield Static("", id="save-note", classes="dialog-note", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._describe(self.default)

    @on(Input.Changed, "#save-path")
    def _path_changed(self, event: Input.Changed) -> None:
        self._describe(Path(event.value).expanduser())

    def _describe(self, path: Path) -> None:
        if path.is_dir():
            note = f"{path} is a folder: add a file name, for example ncfkit.toml"
        elif path.exists():
            note = f"{path} exists and will be replaced"
        elif not path.parent.exists():
            note = f"folder {path.parent} does not exist yet and will be created"
        else:
            note = ""
        self.query_one("#save-note", Static).update(note)

    @on(Input.Submitted, "#save-path")
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        text = self.query_one("#save-path", Input).value.strip()
        if not text or Path(text).expanduser().is_dir():
            self.query_one("#save-note", Static).update("enter a file name")
            return
        self.dismiss(Path(text).expanduser())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class OpenConfigScreen(ModalScreen[Path | None]):
    """A picker of a TOML config: a path, or the config of a past run."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, runs: list[RunSummary], *, default: Path | None) -> None:
        super().__init__(classes="dialog-screen")
        self.runs = [r for r in runs if (r.path / "config.toml").is_file()]
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-tall"):
            yield Label(
                "Open a TOML config file (enter opens, escape cancels)", markup=False
            )
            yield Input(
                str(self.default or ""),
                placeholder="path/to/config.toml",
                id="open-path",
            )
            yield Static("", id="open-note", classes="dialog-note", markup=False)
            yield Label("or the config of a past run:", markup=False)
            options = [
                Option(Text(f"{r.id}  {r.dataset}  {r.head}  {r.status}"), id=str(i))
                for i, r in enumerate(self.runs)
            ]
            if not options:
                options = [Option("no past runs yet", disabled=True)]
            yield OptionList(*options, id="open-runs")

    @on(Input.Submitted, "#open-path")
    def _open_path(self, event: Input.Submitted) -> None:
        note = self.query_one("#open-note", Static)
        if not event.value.strip():
            note.update("enter a path, or press tab to pick a past run below")
            return
        path = Path(event.value.strip()).expanduser()
        if path.is_dir() and (path / "config.toml").is_file():
            path = path / "config.toml"
        if not path.is_file():
            note.update(f"{path} not found: enter a .toml file or a run folder")
            return
        self.dismiss(path)

    @on(OptionList.OptionSelected, "#open-runs")
    def _open_run(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(self.runs[int(event.option.id)].path / "config.toml")

    def action_cancel(self) -> None:
        self.dismiss(None)
