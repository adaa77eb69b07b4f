"""`ncfkit runs`, `ncfkit plugins` and `ncfkit components`: tables of what exists."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich import box
from rich.console import Console
from rich.table import Table

from ncfkit.cli.options import runs_dir_option
from ncfkit.components import KINDS
from ncfkit.params import format_value, param_specs
from ncfkit.registry import KIND_LABELS, load_registry
from ncfkit.runs import list_runs


def _stdout() -> Console:
    return Console(highlight=False)


@click.command("runs")
@runs_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def runs_command(runs_dir: Path, as_json: bool) -> None:
    """List past runs with their status and RMSE."""
    runs = list_runs(runs_dir)
    if as_json:
        rows = [{**run.__dict__, "path": str(run.path)} for run in runs]
        click.echo(json.dumps(rows, indent=2))
        return
    if not runs:
        click.echo(f"no runs in {runs_dir}; start one with 'ncfkit run'", err=True)
        return
    console = _stdout()
    # The id is what -c and --resume take, so it never wraps. It starts with the
    # UTC date and time, so a narrow terminal drops the date column first.
    show_date = console.width >= 110
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("id", no_wrap=True)
    if show_date:
        table.add_column("date (UTC)", no_wrap=True)
    table.add_column("dataset", min_width=7)
    table.add_column("head", min_width=4)
    table.add_column("epochs", justify="right", no_wrap=True)
    table.add_column("status", min_width=9)
    table.add_column("val RMSE", justify="right", no_wrap=True)
    table.add_column("test RMSE", justify="right", no_wrap=True)
    for run in runs:
        date = [run.created[:16].replace("T", " ")] if show_date else []
        table.add_row(
            run.id,
            *date,
            run.dataset,
            run.head,
            f"{run.epochs_done}/{run.epochs}",
            run.status,
            _number(run.best_validation_rmse),
            _number(run.test_rmse),
        )
    console.print(table)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def plugins_command(as_json: bool) -> None:
    """List installed plugins, their components and load errors."""
    registry = load_registry()
    plugins = list(registry.plugins.values())
    if as_json:
        rows = [
            {
                "name": p.name,
                "distribution": p.distribution or ("ncfkit" if p.builtin else None),
                "version": p.version,
                "builtin": p.builtin,
                "loaded": p.loaded,
                "components": p.components,
                "error": p.error,
            }
            for p in plugins
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table("plugin", "distribution", "version", "status", "components")
    for p in plugins:
        components = "; ".join(
            f"{KIND_LABELS[kind]}: {', '.join(names)}"  # type: ignore[index]
            for kind, names in p.components.items()
        )
        if p.builtin:
            status = "built in"
        elif p.loaded:
            status = "loaded"
        else:
            status = "failed"
        table.add_row(
            p.name,
            p.distribution or ("ncfkit" if p.builtin else "-"),
            p.version or "-",
            status,
            components if p.loaded else f"error: {p.error}",
        )
    _stdout().print(table)


@click.command("components")
@click.argument("kind", required=False, type=click.Choice(KINDS))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def components_command(kind: str | None, as_json: bool) -> None:
    """List components with their parameters, types and defaults."""
    registry = load_registry()
    kinds = [kind] if kind else list(KINDS)
    listing = []
    for each_kind in kinds:
        for registered in registry.components(each_kind):  # type: ignore[arg-type]
            component = registered.component
            listing.append(
                {
                    "kind": each_kind,
                    "name": component.name,
                    "plugin": registered.plugin,
                    "description": component.description,
                    "params": [
                        {
                            "name": spec.name,
                            "type": spec.type_name,
                            "default": list(spec.default)
                            if isinstance(spec.default, tuple)
                            else spec.default,
                            "help": spec.help,
                        }
                        for spec in param_specs(component.params)
                    ],
                }
            )
    if as_json:
        click.echo(json.dumps(listing, indent=2))
        return
    console = _stdout()
    for entry in listing:
        console.print(
            f"[bold]{entry['kind']} {entry['name']}[/bold] ({entry['plugin']}): "
            f"{entry['description']}"
        )
        for spec in entry["params"]:
            default = format_value(spec["default"])
            console.print(
                f"    {spec['name']} = {default}  [dim]{spec['type']}; {spec['help']}[/dim]"
            )
