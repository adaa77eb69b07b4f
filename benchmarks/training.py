"""Time ncfkit's training against the reference notebook's pipeline, in one process.

Two comparisons on ml-latest-small with the reference NCF (64-d embeddings, an MLP
128 -> 128 -> 64 -> 1 with dropout 0.3, Adam lr 5e-4 and weight decay 1e-5,
batch 512):

1. One epoch, a training pass plus the validation loss, on the same tensors: the
   notebook's per-item `Dataset` of dicts behind a shuffling `DataLoader`, against
   `ncfkit.training.Trainer`.
2. The whole reference experiment: the notebook's pipeline (pandas read, 10/10
   filters, a per-user scikit-learn split, 10 epochs through the `DataLoader`,
   saved weights, test metrics), against `execute_run` of `ncfkit run`'s default
   config, which also writes a run folder with checkpoints.

Both sides run with the same `torch.set_num_threads`. Each figure is the median of
several repetitions, and the two sides alternate so that a change in the machine's
load hits both. Run from the repository root:

    python benchmarks/training.py [--data FOLDER] [--threads N]

Without `--data`, the ml-latest-small folder is looked up where ncfkit looks
(NCFKIT_DATA_DIR, else ncfkit's cache folder). The script never downloads it.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import train_test_split
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset

from ncfkit.components import ModelShape
from ncfkit.config import TrainingConfig, default_raw_config, resolve_config
from ncfkit.data.download import default_data_dir, find_dataset
from ncfkit.engine import execute_run
from ncfkit.models.mlp import MLPParams, build
from ncfkit.registry import load_registry
from ncfkit.training import Trainer, TrainingData, TrainState, build_optimizer

DATASET = "ml-latest-small"
BATCH_SIZE = 512
EPOCHS = 10
SEED = 42
RATING_MAX = 5.0


# The reference notebook's pipeline, reimplemented with the dense user index in
# the embedding lookup (the notebook used the raw userId, which overflows the
# table for userId 610).


@dataclass(frozen=True)
class ReferenceData:
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame
    n_users: int
    n_items: int


def reference_prepare(folder: Path) -> ReferenceData:
    """Read, filter, number and split the ratings like the notebook."""
    ratings = pd.read_csv(folder / "ratings.csv")

    # One pass of each minimum-count filter, users first.
    user_counts = ratings["userId"].value_counts()
    ratings = ratings[ratings["userId"].isin(user_counts[user_counts >= 10].index)]
    item_counts = ratings["movieId"].value_counts()
    ratings = ratings[ratings["movieId"].isin(item_counts[item_counts >= 10].index)]

    # Dense indices in order of first appearance, ratings scaled to [0, 1].
    ratings = ratings.assign(
        user_index=pd.factorize(ratings["userId"])[0],
        item_index=pd.factorize(ratings["movieId"])[0],
        target=ratings["rating"] / RATING_MAX,
    )

    user_counts = ratings["userId"].value_counts()
    ratings = ratings[ratings["userId"].isin(user_counts[user_counts >= 3].index)]
    parts: dict[str, list[pd.DataFrame]] = {"train": [], "val": [], "test": []}
    for _, rows in ratings.groupby("userId"):
        train, held_out = train_test_split(rows, test_size=0.30, random_state=SEED)
        validation, test = train_test_split(held_out, test_size=0.50, random_state=SEED)
        parts["train"].append(train)
        parts["val"].append(validation)
        parts["test"].append(test)

    train, validation, test = (
        pd.concat(frames).reset_index(drop=True) for frames in parts.values()
    )
    return ReferenceData(
        train,
        validation,
        test,
        n_users=int(ratings["user_index"].max()) + 1,
        n_items=int(ratings["item_index"].max()) + 1,
    )


class RatingsDataset(Dataset):
    """One rating per item, as a dict of 0-d tensors."""

    def __init__(self, rows: pd.DataFrame) -> None:
        self.users = torch.tensor(rows["user_index"].to_numpy(), dtype=torch.long)
        self.items = torch.tensor(rows["item_index"].to_numpy(), dtype=torch.long)
        self.targets = torch.tensor(rows["target"].to_numpy(), dtype=torch.float32)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {
            "user": self.users[index],
            "item": self.items[index],
            "target": self.targets[index],
        }


class ReferenceNCF(nn.Module):
    def __init__(self, n_users: int, n_items: int) -> None:
        super().__init__()
        self.user_embedding = nn.Embedding(n_users, 64)
        self.item_embedding = nn.Embedding(n_items, 64)
        self.hidden1 = nn.Linear(128, 128)
        self.hidden2 = nn.Linear(128, 64)
        self.output = nn.Linear(64, 1)
        self.dropout = nn.Dropout(0.3)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        x = torch.cat([self.user_embedding(users), self.item_embedding(items)], dim=1)
        x = self.dropout(F.relu(self.hidden1(x)))
        x = self.dropout(F.relu(self.hidden2(x)))
        return self.output(x).squeeze(-1)


def reference_optimizer(model: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.Adam(model.parameters(), lr=5e-4, weight_decay=1e-5)


def reference_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    train_loader: DataLoader,
    validation_loader: DataLoader,
) -> tuple[float, float]:
    """Train one epoch and return the train and validation MSE."""
    loss_fn = nn.MSELoss()
    model.train()
    train_sum = 0.0
    for batch in train_loader:
        loss = loss_fn(model(batch["user"], batch["item"]), batch["target"])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        train_sum += loss.item() * len(batch["target"])
    validation_loss = reference_loss(model, validation_loader)
    return train_sum / len(train_loader.dataset), validation_loss


@torch.no_grad()
def reference_loss(model: nn.Module, loader: DataLoader) -> float:
    model.eval()
    loss_sum = 0.0
    for batch in loader:
        predictions = model(batch["user"], batch["item"])
        loss_sum += F.mse_loss(predictions, batch["target"]).item() * len(predictions)
    return loss_sum / len(loader.dataset)


@torch.no_grad()
def reference_accuracy(model: nn.Module, loader: DataLoader) -> float:
    """Return the share of predictions that round to the rating's half star."""
    model.eval()
    correct = 0
    for batch in loader:
        stars = model(batch["user"], batch["item"]) * RATING_MAX
        rounded = torch.round(stars * 2) / 2
        correct += int((rounded == batch["target"] * RATING_MAX).sum())
    return correct / len(loader.dataset)


def reference_experiment(folder: Path, out_dir: Path) -> dict[str, float]:
    """Run the notebook end to end and return its test metrics."""
    data = reference_prepare(folder)
    train_loader = DataLoader(
        RatingsDataset(data.train), batch_size=BATCH_SIZE, shuffle=True
    )
    validation_loader = DataLoader(
        RatingsDataset(data.validation), batch_size=BATCH_SIZE
    )
    test_loader = DataLoader(RatingsDataset(data.test), batch_size=BATCH_SIZE)

    torch.manual_seed(SEED)
    model = ReferenceNCF(data.n_users, data.n_items)
    optimizer = reference_optimizer(model)
    for _ in range(EPOCHS):
        reference_epoch(model, optimizer, train_loader, validation_loader)
    torch.save(model.state_dict(), out_dir / "ncf_model.pth")

    mse = reference_loss(model, test_loader)
    return {
        "mse": mse,
        "rmse": float(np.sqrt(mse) * RATING_MAX),
        "accuracy": reference_accuracy(model, test_loader),
    }


# ncfkit's side.


def ncfkit_epoch(model: nn.Module, data: TrainingData) -> tuple[float, float]:
    """Train one epoch with ncfkit's optimiser and Trainer, and return the train and
    validation MSE."""
    settings = TrainingConfig(epochs=1, batch_size=BATCH_SIZE, seed=SEED)
    device = torch.device("cpu")
    optimizer = build_optimizer(model, settings=settings, device=device)
    trainer = Trainer(model, optimizer, settings=settings, device=device)
    state = TrainState()
    trainer.fit(data, state)
    last = state.history[-1]
    return last["train_loss"], last["validation_loss"]


def ncfkit_experiment(folder: Path, runs_dir: Path, threads: int) -> dict[str, float]:
    """Run `ncfkit run`'s reference experiment and return its test metrics."""
    registry = load_registry(entry_points=False)
    raw = default_raw_config()
    raw["data"] = str(folder)
    raw["training"] = {"threads": threads, "device": "cpu"}
    config = resolve_config(raw, registry)
    return execute_run(config, registry=registry, runs_dir=runs_dir).metrics


def ncfkit_model(data: ReferenceData) -> nn.Module:
    shape = ModelShape(n_users=data.n_users, n_items=data.n_items, mean_rating=0.7)
    return build(MLPParams(), shape=shape, features={})


def training_data(data: ReferenceData) -> TrainingData:
    train, validation = RatingsDataset(data.train), RatingsDataset(data.validation)
    return TrainingData(
        train.users,
        train.items,
        train.targets,
        validation.users,
        validation.items,
        validation.targets,
    )


# Timing and reporting.


def time_alternating(
    runs: dict[str, Callable[[], object]], repeats: int
) -> dict[str, list[float]]:
    """Time each callable `repeats` times, alternating between them."""
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - started)
    return seconds


def report(title: str, seconds: dict[str, list[float]], target: float) -> None:
    print(f"\n{title}")
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    for name, values in seconds.items():
        runs = ", ".join(f"{v:.2f}" for v in values)
        print(f"  {name:<10} median {medians[name]:7.3f} s  (runs: {runs})")
    ratio = medians["ncfkit"] / medians["reference"]
    verdict = "meets" if ratio <= target else "misses"
    print(f"  ncfkit / reference = {ratio:.3f} ({verdict} the target of {target})")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    try:
        return ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def find_data(path: Path | None) -> Path:
    folder = (
        path if path is not None else find_dataset(DATASET, data_dir=default_data_dir())
    )
    if folder is None or not (folder / "ratings.csv").is_file():
        where = path if path is not None else default_data_dir() / DATASET
        sys.exit(
            f"ratings.csv not found in {where}: pass the ml-latest-small folder with "
            "--data, or set NCFKIT_DATA_DIR to the folder that contains it"
        )
    return folder


def warm_up(data: ReferenceData) -> None:
    """Pay one-time costs outside the timed runs.

    The first Adam step in a process imports torch._dynamo, which took 1.4 s to
    5 s on the 2-core VM of benchmarks/README.md, depending on its load.
    """
    model = ReferenceNCF(data.n_users, data.n_items)
    optimizer = reference_optimizer(model)
    users = torch.zeros(BATCH_SIZE, dtype=torch.long)
    model(users, users).sum().backward()
    optimizer.step()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, help="ml-latest-small folder containing ratings.csv"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads for both sides"
    )
    parser.add_argument(
        "--epoch-repeats", type=int, default=5, help="timed epochs per side"
    )
    parser.add_argument(
        "--run-repeats",
        type=int,
        default=3,
        help="timed whole experiments per side; 0 skips them",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    folder = find_data(args.data)
    torch.set_num_threads(args.threads)
    logging.getLogger("ncfkit").setLevel(logging.WARNING)

    print(f"CPU: {cpu_model()}, {os.cpu_count()} logical cores")
    print(
        f"Python {platform.python_version()}, torch {torch.__version__}, "
        f"torch threads {torch.get_num_threads()}"
    )
    print(f"data: {folder}")
    print(f"load average before (1, 5, 15 min): {load_average()}")

    data = reference_prepare(folder)
    warm_up(data)

    # One epoch each on the same tensors. Seeded alike, both models start from the
    # same weights because they create their parameters in the same order.
    train_loader = DataLoader(
        RatingsDataset(data.train), batch_size=BATCH_SIZE, shuffle=True
    )
    validation_loader = DataLoader(
        RatingsDataset(data.validation), batch_size=BATCH_SIZE
    )
    tensors = training_data(data)

    def run_reference_epoch() -> tuple[float, float]:
        torch.manual_seed(SEED)
        model = ReferenceNCF(data.n_users, data.n_items)
        return reference_epoch(
            model, reference_optimizer(model), train_loader, validation_loader
        )

    def run_ncfkit_epoch() -> tuple[float, float]:
        torch.manual_seed(SEED)
        model = ncfkit_model(data)
        return ncfkit_epoch(model, tensors)

    print(
        f"\ntrain / validation / test rows: {len(data.train)} / "
        f"{len(data.validation)} / {len(data.test)}, "
        f"{data.n_users} users, {data.n_items} items"
    )
    for name, run in (("reference", run_reference_epoch), ("ncfkit", run_ncfkit_epoch)):
        train_loss, validation_loss = run()
        print(
            f"  {name:<10} epoch 1: train loss {train_loss:.4f}, "
            f"validation loss {validation_loss:.4f}"
        )
    epochs = time_alternating(
        {"reference": run_reference_epoch, "ncfkit": run_ncfkit_epoch},
        args.epoch_repeats,
    )
    report(
        f"one epoch at batch {BATCH_SIZE} (train pass + validation loss)", epochs, 0.5
    )

    if args.run_repeats > 0:
        with tempfile.TemporaryDirectory(prefix="ncfkit-benchmark-") as tmp:
            out_dir = Path(tmp)
            metrics: dict[str, dict[str, float]] = {}

            def run_reference() -> None:
                metrics["reference"] = reference_experiment(folder, out_dir)

            def run_ncfkit() -> None:
                metrics["ncfkit"] = ncfkit_experiment(
                    folder, out_dir / "runs", args.threads
                )

            runs = time_alternating(
                {"reference": run_reference, "ncfkit": run_ncfkit}, args.run_repeats
            )
        report(f"whole experiment ({EPOCHS} epochs, load to test metrics)", runs, 0.5)
        for name, values in metrics.items():
            formatted = ", ".join(f"{k} {v:.4f}" for k, v in values.items())
            print(f"  {name:<10} test: {formatted}")

    print(f"\nload average after (1, 5, 15 min): {load_average()}")


if __name__ == "__main__":
    main()
