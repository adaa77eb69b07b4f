"""Time loading a run, recommending for one user and for all users, and predicting.

    python benchmarks/recommend_speed.py runs/<id> [runs/<id> ...]

Each run folder is loaded once; then every figure is measured with torch's
default thread count and with one thread. One-user times are the median and the
maximum over `--users` users (10 repeats each, after one warm-up call). Figures
go to stdout as Markdown.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

import ncfkit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dirs", nargs="+", type=Path)
    parser.add_argument("--users", type=int, default=20, help="users timed one by one")
    args = parser.parse_args()
    default_threads = torch.get_num_threads()

    print(
        f"{platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print()
    print(
        "| run | head | users x movies | threads | load s | one user ms "
        "(median / max) | all users s | predict 1000 pairs ms |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for run_dir in args.run_dirs:
        torch.set_num_threads(default_threads)
        started = time.perf_counter()
        model = ncfkit.load(run_dir)
        load_seconds = time.perf_counter() - started
        for threads in dict.fromkeys((default_threads, 1)):
            torch.set_num_threads(threads)
            one = _one_user_ms(model, n_users=args.users)
            started = time.perf_counter()
            model.recommend_many(k=10)
            all_seconds = time.perf_counter() - started
            print(
                f"| {run_dir.name} | {model.head} | {len(model.user_ids)} x "
                f"{len(model.movie_ids)} | {threads} | {load_seconds:.2f} "
                f"| {statistics.median(one):.1f} / {max(one):.1f} | {all_seconds:.2f} "
                f"| {_predict_ms(model):.1f} |",
                flush=True,
            )


def _one_user_ms(model: ncfkit.recommend.TrainedModel, *, n_users: int) -> list[float]:
    users = model.user_ids[:: max(1, len(model.user_ids) // n_users)][:n_users]
    times = []
    for user_id in users:
        model.recommend(int(user_id), k=10)  # warm-up
        for _ in range(10):
            started = time.perf_counter()
            model.recommend(int(user_id), k=10)
            times.append((time.perf_counter() - started) * 1000)
    return times


def _predict_ms(model: ncfkit.recommend.TrainedModel) -> float:
    rng = np.random.default_rng(0)
    users = rng.choice(model.user_ids, 1000)
    movies = rng.choice(model.movie_ids, 1000)
    model.predict(users, movies)  # warm-up
    started = time.perf_counter()
    model.predict(users, movies)
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()
