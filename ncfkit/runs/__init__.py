"""Run folders, checkpoints and the table of past runs."""

from ncfkit.runs.store import RunFolder, RunSummary, list_runs, read_epochs, read_run

__all__ = ["RunFolder", "RunSummary", "list_runs", "read_epochs", "read_run"]
