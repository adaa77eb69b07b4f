"""The `ncfkit` command line."""

from ncfkit.cli.main import cli, main

__all__ = ["cli", "main"]
