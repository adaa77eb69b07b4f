"""The Textual UI of ncfkit. The `ncfkit tui` command calls `run_app`."""

from __future__ import annotations

from pathlib import Path


def run_app(*, runs_dir: Path, config_path: Path | None) -> None:
    """Open the app on `runs_dir`, starting from `config_path` or the defaults."""
    from ncfkit.tui.app import run_app as run

    run(runs_dir=runs_dir, config_path=config_path)


__all__ = ["run_app"]
