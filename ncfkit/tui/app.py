"""The ncfkit Textual app: assemble a run, watch it train, browse past runs.

Three screens, switched with f1, f2 and f3: setup (generated forms for the run
config), train (the engine in a worker thread, with live epochs, chart and
progress) and runs (past runs, their details, and two of them compared).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from ncfkit.config import default_raw_config, read_config_file
from ncfkit.errors import ConfigError
from ncfkit.registry import Registry, load_registry
from ncfkit.runs import list_runs
from ncfkit.tui.screens.dialogs import ConfirmScreen, OpenConfigScreen, SavePathScreen
from ncfkit.tui.screens.runs import ResumeRun, RunDetailScreen, RunsScreen, UseConfig
from ncfkit.tui.screens.setup import SetupScreen
from ncfkit.tui.screens.train import TrainScreen

DEFAULT_SAVE_PATH = Path("ncfkit.toml")


class NcfkitApp(App[None]):
    """Assemble, train and compare NCF runs on MovieLens."""

    CSS_PATH = "app.tcss"
    TITLE = "ncfkit"
    BINDINGS: ClassVar[list[BindingType]] = [
        # Shown in each screen's navigation bar rather than in the footer.
        Binding("f1", "show('setup')", "Setup", show=False),
        Binding("f2", "show('train')", "Train", show=False),
        Binding("f3", "show('runs')", "Runs", show=False),
        # The setup screen shows ctrl+o in its footer. The other screens open a
        # config with it too, and then switch to the setup screen.
        Binding("ctrl+o", "open_config", "Open config", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        *,
        runs_dir: Path,
        config_path: Path | None = None,
        registry: Registry | None = None,
        data_dir: Path | None = None,
        subscribers: Sequence[object] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`subscribers` receive the lifecycle events of every run, as plugins do.
        `clock` returns seconds and times the runs."""
        super().__init__()
        self.runs_dir = runs_dir
        self.config_path = config_path
        self.registry = registry if registry is not None else load_registry()
        self.data_dir = data_dir
        self.subscribers = tuple(subscribers)
        self.clock = clock

    def on_mount(self) -> None:
        raw, source, error = self._initial_config()
        self.setup_screen = SetupScreen(
            registry=self.registry, raw=raw, source=source, data_dir=self.data_dir
        )
        self.train_screen = TrainScreen(
            registry=self.registry,
            runs_dir=self.runs_dir,
            data_dir=self.data_dir,
            subscribers=self.subscribers,
            clock=self.clock,
        )
        self.runs_screen = RunsScreen(runs_dir=self.runs_dir)
        self.install_screen(self.setup_screen, "setup")
        self.install_screen(self.train_screen, "train")
        self.install_screen(self.runs_screen, "runs")
        self.push_screen("setup")
        if error:
            self.notify(error, severity="error", timeout=10, markup=False)

    def _initial_config(self) -> tuple[dict[str, Any], str, str | None]:
        if self.config_path is None:
            return default_raw_config(), "defaults", None
        try:
            return read_config_file(self.config_path), str(self.config_path), None
        except ConfigError as error:
            return default_raw_config(), "defaults", f"{error}; showing the defaults"

    # Screens

    async def action_show(self, name: str) -> None:
        """Show one of the three main screens, closing any dialog or detail."""
        target = {"setup": self.setup_screen, "train": self.train_screen}.get(
            name, self.runs_screen
        )
        while len(self.screen_stack) > 2 and self.screen not in (
            self.setup_screen,
            self.train_screen,
            self.runs_screen,
        ):
            self.pop_screen()
        if self.screen is not target:
            await self.switch_screen(target)

    # Messages from the screens

    async def on_setup_screen_start_requested(
        self, message: SetupScreen.StartRequested
    ) -> None:
        if self.train_screen.running:
            self.notify(
                "A run is in progress: stop it first (f2, then s)", markup=False
            )
            return
        await self.action_show("train")
        self.train_screen.start(message.config)

    def on_setup_screen_save_requested(
        self, message: SetupScreen.SaveRequested
    ) -> None:
        def save(path: Path | None) -> None:
            if path is None:
                return
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(message.config.to_toml(), encoding="utf-8")
            except OSError as error:
                self.notify(
                    f"cannot write {path}: {error}", severity="error", markup=False
                )
                return
            self.config_path = path
            self.setup_screen.mark_unchanged()
            self.notify(f"Saved {path}; 'ncfkit run -c {path}' runs it", markup=False)

        self.push_screen(SavePathScreen(self.config_path or DEFAULT_SAVE_PATH), save)

    def action_open_config(self) -> None:
        async def load(path: Path | None) -> None:
            if path is not None:
                await self.action_show("setup")
                await self.setup_screen.load_file(path)

        self.push_screen(
            OpenConfigScreen(list_runs(self.runs_dir), default=self.config_path), load
        )

    async def on_use_config(self, message: UseConfig) -> None:
        await self.action_show("setup")
        if await self.setup_screen.load_file(message.config_path):
            self.notify(f"Loaded {message.config_path}", markup=False)

    async def on_resume_run(self, message: ResumeRun) -> None:
        if self.train_screen.running:
            self.notify(
                "A run is in progress: stop it first (f2, then s)", markup=False
            )
            return
        await self.action_show("train")
        self.train_screen.resume(message.run_dir)

    def on_train_screen_open_run(self, message: TrainScreen.OpenRun) -> None:
        if (message.run_dir / "run.json").is_file():
            self.push_screen(RunDetailScreen(message.run_dir))

    def on_train_screen_run_ended(self) -> None:
        # A runs screen never shown yet reads the runs when it is first mounted.
        if self.runs_screen.is_mounted:
            self.runs_screen.refresh_runs()

    # Commands

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        commands = [
            ("Setup screen", "Assemble a run config (f1)", "show('setup')", None),
            ("Training screen", "Watch the current run (f2)", "show('train')", None),
            ("Runs screen", "Browse and compare past runs (f3)", "show('runs')", None),
            ("Start run", "Train the assembled config (ctrl+r)", "start", "setup"),
            ("Save config", "Write the config as TOML (ctrl+s)", "save", "setup"),
            (
                "Open config",
                "Load a TOML file or a run's config (ctrl+o)",
                "open_config",
                None,
            ),
            (
                "Reset to defaults",
                "The reference experiment (ctrl+n)",
                "defaults",
                "setup",
            ),
            ("Stop run", "End the run after this batch (s)", "stop", "train"),
            ("Resume run", "Continue the interrupted run (r)", "resume", "train"),
            ("Open run", "Details of the selected run (o)", "open", "runs"),
            ("Mark run", "Mark the selected run to compare (space)", "mark", "runs"),
            ("Refresh runs", "Read the runs folder again (g)", "refresh", "runs"),
            ("Compare runs", "The two marked runs side by side (c)", "compare", "runs"),
            (
                "Use run's config",
                "Load the selected run's config (u)",
                "use_config",
                "runs",
            ),
            (
                "Recommend",
                "Top movies for a user from the selected run (m)",
                "recommend",
                None,
            ),
        ]
        for title, help_text, action, screen_name in commands:
            yield SystemCommand(title, help_text, self._command(action, screen_name))

    def _command(self, action: str, screen_name: str | None) -> Callable[[], Any]:
        async def run() -> None:
            if screen_name is None:
                await self.run_action(action)
                return
            await self.action_show(screen_name)
            await self.run_action(action, self.screen)

        return run

    async def action_recommend(self) -> None:
        """Open recommendations of the run shown, or of the selected run."""
        if isinstance(self.screen, RunDetailScreen):
            self.screen.action_recommend()
            return
        await self.action_show("runs")
        self.runs_screen.action_recommend()

    # Quitting

    async def action_quit(self) -> None:
        if not self.train_screen.running:
            self.exit()
            return

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.notify("Stopping the run and saving a checkpoint…", markup=False)
                self._stop_and_exit()

        self.push_screen(
            ConfirmScreen(
                "A run is in progress. Stop it (with a checkpoint, so it can be "
                "resumed) and quit?",
                yes="Stop and quit",
                no="Keep training",
            ),
            confirmed,
        )

    @work(exclusive=True, group="quit")
    async def _stop_and_exit(self) -> None:
        # An async worker, so the UI keeps drawing while the batch finishes.
        await self.train_screen.stop_and_wait()
        self.exit()

    def on_unmount(self) -> None:
        # However the app ends, the training thread must not outlive it.
        self.train_screen.stop_and_join()


def run_app(*, runs_dir: Path, config_path: Path | None) -> None:
    """Run the TUI until the user quits, and return after the training thread ended."""
    NcfkitApp(runs_dir=runs_dir, config_path=config_path).run()
