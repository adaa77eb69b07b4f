"""The row of screen links at the top of each main screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

SCREENS = (("f1", "setup", "Setup"), ("f2", "train", "Train"), ("f3", "runs", "Runs"))


class NavLink(Static):
    """A link to a main screen. A click shows the screen, as its function key does."""

    def __init__(self, key: str, screen: str, title: str, *, current: bool) -> None:
        super().__init__(
            f" {key} {title} ",
            classes="nav-link -current" if current else "nav-link",
            markup=False,
        )
        self.screen_name = screen

    async def on_click(self) -> None:
        await self.app.run_action(f"show({self.screen_name!r})")


class NavBar(Horizontal):
    """Links to the setup, training and runs screens, the current one marked.

    The function keys live here rather than in the footer, which at 80 columns
    has room for the current screen's own keys only.
    """

    def __init__(self, current: str) -> None:
        super().__init__(classes="nav-bar")
        self.current = current

    def compose(self) -> ComposeResult:
        yield Static(" ncfkit ", classes="nav-brand", markup=False)
        for key, screen, title in SCREENS:
            yield NavLink(key, screen, title, current=screen == self.current)
