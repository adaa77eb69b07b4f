"""Building the metrics' view of a held-out part and computing the metrics."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse
import torch
from torch import nn

from ncfkit.components import EvalContext
from ncfkit.config import ComponentConfig
from ncfkit.pipeline import PreparedData
from ncfkit.registry import Registry
from ncfkit.training.trainer import predict


class Scorer:
    """Predicted ratings in stars, clipped to the rating range, from a model."""

    def __init__(
        self, model: nn.Module, *, n_items: int, rating_min: float, rating_max: float
    ) -> None:
        self.model = model
        self.n_items = n_items
        self.rating_min = rating_min
        self.rating_max = rating_max

    def pairs(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Return (n,) predicted stars for user and item index pairs."""
        scaled = predict(
            self.model,
            torch.tensor(users, dtype=torch.long),
            torch.tensor(items, dtype=torch.long),
        )
        stars = scaled.float().cpu().numpy() * self.rating_max
        return np.clip(stars, self.rating_min, self.rating_max)

    def all_items(self, users: np.ndarray) -> np.ndarray:
        """Return (len(users), n_items) predicted stars for every item."""
        users = np.asarray(users, dtype=np.int64)
        user_column = np.repeat(users, self.n_items)
        item_column = np.tile(np.arange(self.n_items, dtype=np.int64), len(users))
        return self.pairs(user_column, item_column).reshape(len(users), self.n_items)


def interaction_matrix(
    data: PreparedData, parts: Sequence[str]
) -> scipy.sparse.csr_matrix:
    """Return the (n_users, n_items) 0/1 matrix of the ratings in `parts`."""
    rows = np.concatenate([data.part(p)["user_index"].to_numpy() for p in parts])
    cols = np.concatenate([data.part(p)["item_index"].to_numpy() for p in parts])
    matrix = scipy.sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)),
        shape=(data.id_map.n_users, data.id_map.n_items),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def evaluation_context(
    data: PreparedData, scorer: Scorer, *, part: str, seed: int
) -> EvalContext:
    """Build the EvalContext of `part` ("validation" or "test")."""
    rows = data.part(part)
    users = rows["user_index"].to_numpy()
    items = rows["item_index"].to_numpy()
    seen = ["train"] if part == "validation" else ["train", "validation"]
    return EvalContext(
        part=part,
        users=users,
        items=items,
        actual=rows["rating"].to_numpy(dtype=np.float64),
        predicted=scorer.pairs(users, items).astype(np.float64),
        rating_max=data.rating_max,
        n_users=data.id_map.n_users,
        n_items=data.id_map.n_items,
        exclude=interaction_matrix(data, seen),
        score=scorer.all_items,
        seed=seed,
    )


def compute_metrics(
    context: EvalContext, metrics: Sequence[ComponentConfig], *, registry: Registry
) -> dict[str, float]:
    """Run each configured metric on `context` and merge their results."""
    results: dict[str, float] = {}
    for entry in metrics:
        metric = registry.get("metric", entry.name).component.factory(entry.params)
        values = metric(context)
        for key, value in values.items():
            results[key] = float(value)
    return results
