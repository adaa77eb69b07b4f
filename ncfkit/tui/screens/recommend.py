"""Top-N recommendations for one user from a run's best checkpoint."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.validation import Integer
from textual.widgets import DataTable, Footer, Input, Label, Static

from ncfkit.errors import NcfkitError
from ncfkit.registry import Registry

if TYPE_CHECKING:
    import pandas as pd

    from ncfkit.recommend.trained import TrainedModel

logger = logging.getLogger(__name__)

DEFAULT_K = 10


class Recommendations(Message):
    """The worker's result: the top-N table, or the error it raised."""

    def __init__(
        self, user_id: int, frame: pd.DataFrame | None, error: str | None
    ) -> None:
        super().__init__()
        self.user_id = user_id
        self.frame = frame
        self.error = error


class RecommendScreen(Screen[None]):
    """A form for a userId and a count, and the movies the run ranks highest."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, run_dir: Path, *, registry: Registry) -> None:
        super().__init__()
        self.run_dir = run_dir
        self.registry = registry
        self._model: TrainedModel | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            f"Recommendations of run {self.run_dir.name} (best checkpoint)",
            id="recommend-title",
            markup=False,
        )
        with Horizontal(id="recommend-form"):
            yield Label("userId", classes="param-name", markup=False)
            yield Input(
                placeholder="a userId of the dataset",
                validators=[Integer()],
                compact=True,
                id="recommend-user",
            )
            yield Label("top", classes="recommend-k-label", markup=False)
            yield Input(
                str(DEFAULT_K),
                validators=[Integer(minimum=1, maximum=1000)],
                compact=True,
                id="recommend-k",
            )
        yield Static(
            "enter shows the movies this user did not rate in train or "
            "validation, by predicted rating",
            id="recommend-note",
            markup=False,
        )
        yield DataTable(id="recommend-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#recommend-table", DataTable)
        table.add_columns("rank", "movieId", "title", "genres", "stars")
        self.query_one("#recommend-user", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        user = self.query_one("#recommend-user", Input)
        k = self.query_one("#recommend-k", Input)
        note = self.query_one("#recommend-note", Static)
        if not user.value.strip() or not user.is_valid:
            note.update("enter a userId: a whole number")
            user.focus()
            return
        if not k.is_valid:
            note.update("the number of movies must be a whole number from 1 to 1000")
            k.focus()
            return
        note.update(f"ranking movies for user {user.value}…")
        self._recommend(int(user.value), int(k.value))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _recommend(self, user_id: int, k: int) -> None:
        # Loading builds the head with torch, so both steps stay off the UI thread.
        try:
            if self._model is None:
                from ncfkit.recommend import load

                self._model = load(self.run_dir, registry=self.registry)
            frame = self._model.recommend(user_id, k)
        except NcfkitError as error:
            logger.info("no recommendations for user %d: %s", user_id, error)
            self.post_message(Recommendations(user_id, None, str(error)))
        else:
            self.post_message(Recommendations(user_id, frame, None))

    def on_recommendations(self, message: Recommendations) -> None:
        table = self.query_one("#recommend-table", DataTable)
        note = self.query_one("#recommend-note", Static)
        table.clear()
        if message.frame is None:
            note.update(f"✗ {message.error}")
            note.add_class("error")
            return
        note.remove_class("error")
        for row in message.frame.itertuples(index=False):
            title = row.title if isinstance(row.title, str) else "–"
            genres = ", ".join(row.genres) if isinstance(row.genres, tuple) else ""
            table.add_row(
                str(row.rank),
                str(row.movieId),
                Text(title),
                Text(genres),
                f"{row.predicted:.2f}",
            )
        catalog = self._model.catalog if self._model is not None else None
        shown = f"top {len(message.frame)} for user {message.user_id}"
        if catalog is not None and catalog.note:
            shown += f" · {catalog.note}"
        note.update(shown)
