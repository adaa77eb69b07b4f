"""Tune the mlp, genres, tags and genres-tags heads on validation, then test once.

Every run trains for the same number of epochs on the reference split of
ml-latest-small (per-user 70/15/15, seed-compatible). Test numbers never choose
anything: only the winner of each head is scored on test, over three seeds.

- The first pass tunes each head's own parameters and the dropout at the
  reference embedding size (64). The genres-tags head combines the genres and
  tags winners and tunes only its dropout.
- The second pass keeps each head's first-pass winner and tunes its embedding
  size. It writes each winner's config next to this script as `<head>.toml`.

    NCFKIT_DATA_DIR=path/to/datasets python plugins/configs/tune.py

It needs ncfkit and both plugins installed, and prints Markdown tables. Torch runs
on one CPU thread: these models are small, and on a busy machine extra threads
only wait on each other.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

import torch

from ncfkit.config import RunConfig, apply_overrides, default_raw_config, resolve_config
from ncfkit.engine import execute_run
from ncfkit.registry import load_registry

HERE = Path(__file__).resolve().parent
SEEDS = (42, 43, 44)
BASES = {
    "mlp": [],
    "genres": ["plugins=genres", "head=genres"],
    "tags": ["plugins=tags", "head=tags"],
    "genres-tags": ["plugins=genres,tags", "head=genres-tags"],
}
FIRST_PASS = {
    "mlp": [
        [f"head.embedding_dim={dim}", f"head.dropout={dropout}"]
        for dim in (32, 64, 128)
        for dropout in (0.3, 0.5)
    ],
    "genres": [
        [f"head.genre_dim={dim}", f"head.dropout={dropout}"]
        for dim in (8, 16, 32)
        for dropout in (0.3, 0.5)
    ],
    "tags": [
        [
            f"features.tags.dim={dim}",
            f"features.tags.terms={terms}",
            f"features.tags.min_df={min_df}",
        ]
        for dim in (16, 64)
        for terms in ("tag", "word")
        for min_df in (1, 2)
    ],
}
EMBEDDING_DIMS = (64, 128, 256)


def run(assignments: list[str], runs_dir: Path) -> tuple[RunConfig, dict[str, Any]]:
    """Run one config; return it with its validation and test metrics."""
    registry = load_registry(entry_points=True)
    config = resolve_config(
        apply_overrides(default_raw_config(), assignments), registry=registry
    )
    result = execute_run(config, registry=registry, runs_dir=runs_dir)
    return config, json.loads((result.run_dir / "metrics.json").read_text())


def tune(
    grids: dict[str, list[list[str]]], *, epochs: int, runs_dir: Path
) -> dict[str, tuple[list[str], RunConfig]]:
    """Run every setting, print its validation metrics, return each head's best."""
    print("| head | setting | validation RMSE | validation MAE |")
    print("| --- | --- | --- | --- |")
    winners = {}
    for head, grid in grids.items():
        trials = []
        for setting in grid:
            assignments = [*BASES[head], *setting, f"training.epochs={epochs}"]
            config, metrics = run(assignments, runs_dir)
            validation = metrics["validation"]
            trials.append((validation["rmse"], setting, config))
            print(
                f"| {head} | {' '.join(setting)} | {validation['rmse']:.4f} "
                f"| {validation['mae']:.4f} |",
                flush=True,
            )
        _, setting, config = min(trials, key=lambda trial: trial[0])
        winners[head] = (setting, config)
    return winners


def test(
    winners: dict[str, tuple[list[str], RunConfig]], *, epochs: int, runs_dir: Path
) -> None:
    """Score each winner on test over `SEEDS` and print mean ± standard deviation."""
    print()
    print("| head | chosen setting | validation RMSE | test RMSE | test MAE |")
    print("| --- | --- | --- | --- | --- |")
    for head, (setting, _) in winners.items():
        found = [
            run(
                [
                    *BASES[head],
                    *setting,
                    f"training.epochs={epochs}",
                    f"training.seed={seed}",
                ],
                runs_dir,
            )[1]
            for seed in SEEDS
        ]
        print(
            f"| {head} | {' '.join(setting)} "
            f"| {_mean_sd([f['validation']['rmse'] for f in found])} "
            f"| {_mean_sd([f['test']['rmse'] for f in found])} "
            f"| {_mean_sd([f['test']['mae'] for f in found])} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(1)

    with tempfile.TemporaryDirectory() as folder:
        runs_dir = Path(folder)
        first = tune(FIRST_PASS, epochs=args.epochs, runs_dir=runs_dir)
        genre_part = [a for a in first["genres"][0] if a.startswith("head.genre_dim")]
        tag_part = [a for a in first["tags"][0] if a.startswith("features.tags.")]
        combined = {
            "genres-tags": [
                [*genre_part, *tag_part, f"head.dropout={dropout}"]
                for dropout in (0.3, 0.5)
            ]
        }
        first |= tune(combined, epochs=args.epochs, runs_dir=runs_dir)
        print()

        second_pass = {
            head: [
                [f"head.embedding_dim={dim}", *_without_embedding_dim(setting)]
                for dim in EMBEDDING_DIMS
            ]
            for head, (setting, _) in first.items()
        }
        winners = tune(second_pass, epochs=args.epochs, runs_dir=runs_dir)
        for head, (_, config) in winners.items():
            (HERE / f"{head}.toml").write_text(config.to_toml(), encoding="utf-8")
        test(winners, epochs=args.epochs, runs_dir=runs_dir)


def _without_embedding_dim(setting: list[str]) -> list[str]:
    return [a for a in setting if not a.startswith("head.embedding_dim=")]


def _mean_sd(values: list[float]) -> str:
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


if __name__ == "__main__":
    main()
