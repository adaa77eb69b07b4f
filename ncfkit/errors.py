"""Exceptions that the CLI and the TUI turn into one-line messages.

A `UsageError` is the user's to fix (bad input, config or flag) and exits with 2.
Any other `NcfkitError` is a runtime failure and exits with 1.
"""

from __future__ import annotations

from pathlib import Path


class NcfkitError(Exception):
    """Base class of the errors that ncfkit reports without a traceback."""

    exit_code = 1
    # The folder of the run that failed, once the engine has created one.
    run_dir: Path | None = None


class UsageError(NcfkitError):
    """Invalid input, configuration or flag; the message names the value and the fix."""

    exit_code = 2


class DataError(UsageError):
    """A dataset file that is missing, unreadable or has invalid contents."""


class ConfigError(UsageError):
    """An unknown component or parameter, or a parameter value of the wrong type."""


class CheckpointError(UsageError):
    """A checkpoint that is missing, corrupt or belongs to another dataset."""


class RunFailed(NcfkitError):
    """A run that started but could not finish."""


class TrainingDiverged(RunFailed):
    """The loss became NaN or infinite."""
