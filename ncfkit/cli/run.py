"""`ncfkit run`: the headless main job."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ncfkit.cli.options import config_option, runs_dir_option
from ncfkit.cli.printer import (
    DownloadBar,
    RunPrinter,
    configure_logging,
    stderr_console,
)
from ncfkit.config import (
    apply_overrides,
    default_raw_config,
    read_config_file,
    resolve_config,
)
from ncfkit.engine import RunResult, execute_run, resume_run
from ncfkit.errors import NcfkitError, UsageError
from ncfkit.registry import Registry, load_registry

# The shell's code for a process ended by SIGINT (128 + 2).
INTERRUPTED_EXIT_CODE = 130


@click.command("run")
@config_option
@click.option("--data", help="MovieLens folder or .zip to use instead of a download.")
@click.option("--dataset", help="Known dataset name, e.g. ml-latest-small or ml-1m.")
@click.option(
    "--plugin",
    "plugins",
    multiple=True,
    metavar="NAME",
    help="Activate an installed plugin (repeatable).",
)
@click.option("--head", help="Model head, e.g. mlp.")
@click.option("--epochs", type=int, help="Number of training epochs.")
@click.option("--seed", type=int, help="Seed of initialisation and shuffling.")
@click.option("--device", help="auto, cpu, cuda[:N] or mps.")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a config value, e.g. head.dropout=0.2 (repeatable).",
)
@runs_dir_option
@click.option(
    "--resume",
    "resume_dir",
    type=click.Path(path_type=Path),
    help="Continue an interrupted run from its last checkpoint.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object at the end."
)
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and results.")
def run_command(
    config_path: Path | None,
    data: str | None,
    dataset: str | None,
    plugins: tuple[str, ...],
    head: str | None,
    epochs: int | None,
    seed: int | None,
    device: str | None,
    assignments: tuple[str, ...],
    runs_dir: Path,
    resume_dir: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Load MovieLens, filter, split, train, evaluate and save a run folder.

    With no options this runs the reference experiment on ml-latest-small.
    """
    console = stderr_console()
    configure_logging(console, quiet=quiet)
    registry = load_registry()
    printer = RunPrinter(console, quiet=quiet)
    download = DownloadBar(console)

    try:
        result = _execute(
            registry=registry,
            printer=printer,
            download=download,
            console=console,
            resume_dir=resume_dir,
            config_path=config_path,
            flags=_flag_overrides(data, dataset, head, epochs, seed, device),
            plugins=plugins,
            assignments=assignments,
            runs_dir=runs_dir,
        )
    except NcfkitError as error:
        if as_json:
            _print_failure(error)
        raise
    _print_result(result, as_json=as_json)
    if result.status == "interrupted":
        raise click.exceptions.Exit(INTERRUPTED_EXIT_CODE)


def _execute(
    *,
    registry: Registry,
    printer: RunPrinter,
    download: DownloadBar,
    console: Any,
    resume_dir: Path | None,
    config_path: Path | None,
    flags: list[str],
    plugins: tuple[str, ...],
    assignments: tuple[str, ...],
    runs_dir: Path,
) -> RunResult:
    if resume_dir is not None:
        if config_path is not None or flags or plugins or assignments:
            raise UsageError(
                "--resume takes no other run options: the run folder's config is used"
            )
        with _stop_on_interrupt(console) as stop:
            return resume_run(
                resume_dir,
                registry=registry,
                subscribers=[printer],
                stop=stop,
                progress=download,
            )

    raw = read_config_file(config_path) if config_path else default_raw_config()
    raw = apply_overrides(raw, [*flags, *assignments])
    if plugins:
        raw["plugins"] = list(dict.fromkeys([*raw.get("plugins", []), *plugins]))
    if raw.get("data"):
        raw["data"] = str(Path(raw["data"]).expanduser().resolve())
    config = resolve_config(raw, registry)
    with _stop_on_interrupt(console) as stop:
        return execute_run(
            config,
            registry=registry,
            runs_dir=runs_dir,
            subscribers=[printer],
            stop=stop,
            progress=download,
        )


def _print_failure(error: NcfkitError) -> None:
    """Print the --json object of a run that failed or was rejected."""
    document = {
        "status": "failed",
        "exit_code": error.exit_code,
        "error": str(error),
        "run_dir": str(error.run_dir) if error.run_dir else None,
    }
    click.echo(json.dumps(document, indent=2))


def _flag_overrides(
    data: str | None,
    dataset: str | None,
    head: str | None,
    epochs: int | None,
    seed: int | None,
    device: str | None,
) -> list[str]:
    pairs = {
        "data": data,
        "dataset": dataset,
        "head": head,
        "training.epochs": epochs,
        "training.seed": seed,
        "training.device": device,
    }
    return [f"{key}={value}" for key, value in pairs.items() if value is not None]


@contextmanager
def _stop_on_interrupt(console: Any) -> Iterator[threading.Event]:
    """Turn the first Ctrl-C into a stop request; a second one aborts."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def request_stop(signum: int, frame: object) -> None:
        console.print("stopping after the current batch (Ctrl-C again to abort)")
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, request_stop)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def _print_result(result: RunResult, *, as_json: bool) -> None:
    summary = result.summary
    if as_json:
        document = {
            "run_id": result.run_id,
            "run_dir": str(result.run_dir),
            "status": result.status,
            "dataset": summary["dataset"],
            "n_users": summary["n_users"],
            "n_items": summary["n_items"],
            "n_ratings": summary["n_ratings"],
            "split": summary["split"],
            "metrics": result.metrics,
        }
        click.echo(json.dumps(document, indent=2))
        return
    click.echo(f"run folder: {result.run_dir}  ({result.status})")
    for name, value in result.metrics.items():
        click.echo(f"  test {name:<12} {value:.4f}")
