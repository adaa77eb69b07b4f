"""Entry point of the `ncfkit` command: subcommands and error handling.

Exit codes: 0 success, 2 usage or input errors, 1 runtime failures, 130 when
aborted by a second Ctrl-C.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from ncfkit import __version__
from ncfkit.cli.listing import components_command, plugins_command, runs_command
from ncfkit.cli.options import config_option, runs_dir_option
from ncfkit.cli.recommend import predict_command, recommend_command
from ncfkit.cli.run import run_command
from ncfkit.errors import NcfkitError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ncfkit")
def cli() -> None:
    """Neural collaborative filtering experiments on MovieLens."""


@cli.command("tui")
@runs_dir_option
@config_option
def tui_command(runs_dir: Path, config_path: Path | None) -> None:
    """Assemble a run, watch it train and browse past runs in a terminal UI."""
    from ncfkit.tui import run_app

    run_app(runs_dir=runs_dir, config_path=config_path)


cli.add_command(run_command)
cli.add_command(runs_command)
cli.add_command(plugins_command)
cli.add_command(components_command)
cli.add_command(recommend_command)
cli.add_command(predict_command)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and turn ncfkit errors into one-line messages and exit codes."""
    try:
        # Without standalone mode, click returns the exit code of --help and
        # --version instead of raising.
        code = cli.main(args=argv, prog_name="ncfkit", standalone_mode=False)
        if isinstance(code, int):
            sys.exit(code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except NcfkitError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo("aborted", err=True)
        sys.exit(130)
    finally:
        # The handlers hold this call's stderr; callers that embed main() (tests,
        # scripts) must not log into a stream that is gone.
        package_logger = logging.getLogger("ncfkit")
        package_logger.handlers.clear()
        package_logger.propagate = True
        package_logger.setLevel(logging.NOTSET)
