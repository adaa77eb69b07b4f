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
# Widths kept for the title and the genres when titles are longer than the
# table has room for.
MIN_TITLE_WIDTH = 20
MIN_GENRES_WIDTH = 12


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
        self._set_columns(title_width=len("title"))
        self.query_one("#recommend-user", Input).focus()

    def _set_columns(self, *, title_width: int) -> None:
        # The stars come before the genres, which are last and may be cut at
        # the right edge, so the predicted rating stays in view at 80 columns.
        table = self.query_one("#recommend-table", DataTable)
        table.clear(columns=True)
        table.add_column("rank", key="rank", width=4)
        table.add_column("movieId", key="movieId", width=7)
        table.add_column("title", key="title", width=title_width)
        table.add_column("stars", key="stars", width=5)
        table.add_column("genres", key="genres")

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

    def _title_width(self, titles: list[str]) -> int:
        """Return the width that fits the longest title, or what the table has
        left for it after the other columns and a minimum for the genres."""
        table = self.query_one("#recommend-table", DataTable)
        # rank, movieId and stars, one cell padding each side of all five
        # columns, and a vertical scrollbar.
        others = 4 + 7 + 5 + 5 * 2 * table.cell_padding + 2
        available = table.size.width - others - MIN_GENRES_WIDTH
        longest = max([len("title"), *(len(t) for t in titles)])
        return max(MIN_TITLE_WIDTH, min(longest, available))

    def on_recommendations(self, message: Recommendations) -> None:
        table = self.query_one("#recommend-table", DataTable)
        note = self.query_one("#recommend-note", Static)
        table.clear()
        if message.frame is None:
            note.update(f"✗ {message.error}")
            note.add_class("error")
            return
        note.remove_class("error")
        rows = []
        for row in message.frame.itertuples(index=False):
            title = row.title if isinstance(row.title, str) else "–"
            genres = ", ".join(row.genres) if isinstance(row.genres, tuple) else ""
            rows.append((str(row.rank), str(row.movieId), title, genres, row.predicted))
        title_width = self._title_width([title for _, _, title, _, _ in rows])
        self._set_columns(title_width=title_width)
        for rank, movie_id, title, genres, predicted in rows:
            table.add_row(
                rank,
                movie_id,
                Text(_clip(title, title_width)),
                f"{predicted:.2f}",
                Text(genres),
            )
        catalog = self._model.catalog if self._model is not None else None
        shown = f"top {len(message.frame)} for user {message.user_id}"
        if catalog is not None and catalog.note:
            shown += f" · {catalog.note}"
        note.update(shown)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
