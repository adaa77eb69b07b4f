"""`ncfkit recommend` and `ncfkit predict`: use a finished run's checkpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import pandas as pd
import torch
from rich.console import Console
from rich.table import Table

from ncfkit.cli.printer import configure_logging, stderr_console
from ncfkit.recommend import CHECKPOINT_KINDS, TrainedModel, load

_RUN_DIR = click.argument("run_dir", metavar="RUN_DIR", type=click.Path(path_type=Path))
_CHECKPOINT = click.option(
    "--checkpoint",
    type=click.Choice(CHECKPOINT_KINDS),
    default="best",
    show_default=True,
    help="Checkpoint to use: best (lowest validation loss) or last.",
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.command("recommend")
@_RUN_DIR
@click.option("--user", "user_id", type=int, required=True, help="userId to serve.")
@click.option(
    "-k",
    "k",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Number of movies to list.",
)
@_CHECKPOINT
@_JSON
def recommend_command(
    run_dir: Path, user_id: int, k: int, checkpoint: str, as_json: bool
) -> None:
    """List a user's top movies among those they did not rate in train or
    validation, by predicted rating."""
    with _one_thread():
        model = _load(run_dir, checkpoint=checkpoint, titles=True)
        found = model.recommend(user_id, k)
    if not model.catalog.available:
        click.echo(f"note: {model.catalog.note}", err=True)
    if as_json:
        document = {
            "run_dir": str(run_dir),
            "checkpoint": checkpoint,
            "epoch": model.epoch,
            "user": user_id,
            "titles": model.catalog.available,
            "recommendations": [
                {
                    "rank": int(row.rank),
                    "movieId": int(row.movieId),
                    "title": row.title,
                    "genres": list(row.genres),
                    "predicted": round(float(row.predicted), 4),
                }
                for row in found.itertuples()
            ],
        }
        click.echo(json.dumps(document, indent=2))
        return
    _stdout().print(_table(found, model, user_id=user_id))


@click.command("predict")
@_RUN_DIR
@click.option("--user", "user_id", type=int, required=True, help="userId.")
@click.option("--movie", "movie_id", type=int, required=True, help="movieId.")
@_CHECKPOINT
@_JSON
def predict_command(
    run_dir: Path, user_id: int, movie_id: int, checkpoint: str, as_json: bool
) -> None:
    """Print the rating a user is predicted to give a movie, in stars."""
    with _one_thread():
        model = _load(run_dir, checkpoint=checkpoint, titles=False)
        stars = float(model.predict(user_id, movie_id)[0])
    if as_json:
        document = {"user": user_id, "movie": movie_id, "predicted": round(stars, 4)}
        click.echo(json.dumps(document))
        return
    click.echo(f"{stars:.2f}")


def _load(run_dir: Path, *, checkpoint: str, titles: bool) -> TrainedModel:
    configure_logging(stderr_console(), quiet=True)
    return load(run_dir, checkpoint=checkpoint, titles=titles)


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run torch on one thread, then restore the previous count.

    One user's scores take a few small tensor operations, and on a busy machine
    a second thread mostly waits. With benchmarks/recommend_speed.py on 2 busy
    cores, one user of the mlp head took up to 121 ms on two threads and at most
    5 ms on one.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _table(found: pd.DataFrame, model: TrainedModel, *, user_id: int) -> Table:
    titles = model.catalog.available
    table = Table(
        title=f"user {user_id}: run {model.run_dir.name}, {model.checkpoint} "
        f"checkpoint (epoch {model.epoch})",
    )
    table.add_column("rank", justify="right")
    table.add_column("movieId", justify="right")
    if titles:
        table.add_column("title")
        table.add_column("genres")
    table.add_column("predicted", justify="right")
    for row in found.itertuples():
        cells = [str(row.rank), str(row.movieId)]
        if titles:
            cells += [row.title or "", "|".join(row.genres)]
        table.add_row(*cells, f"{row.predicted:.2f}")
    return table


def _stdout() -> Console:
    return Console(highlight=False)
