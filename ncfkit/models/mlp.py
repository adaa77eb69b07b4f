"""The reference NCF head: user and item embeddings, concatenated, then an MLP."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from ncfkit.components import Component, ModelShape
from ncfkit.params import param


@dataclass(frozen=True)
class MLPParams:
    embedding_dim: int = param(64, "size of the user and item embeddings")
    layers: tuple[int, ...] = param((128, 64), "hidden layer sizes of the MLP")
    dropout: float = param(0.3, "dropout after each hidden layer")

    def __post_init__(self) -> None:
        check_mlp_params(
            embedding_dim=self.embedding_dim, layers=self.layers, dropout=self.dropout
        )


def check_mlp_params(
    *, embedding_dim: int, layers: tuple[int, ...], dropout: float
) -> None:
    """Raise ValueError, with the fix, for sizes or dropout an MLP head cannot use."""
    if embedding_dim < 1:
        raise ValueError(f"embedding_dim must be at least 1, got {embedding_dim}")
    if not layers or min(layers) < 1:
        raise ValueError(f"layers must be positive sizes, got {layers}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")


class Dropout(nn.Dropout):
    """Inverted dropout whose CPU mask comes from `torch.rand_like`.

    With torch 2.13 on CPU, `nn.Dropout` draws its mask with `bernoulli_`, which
    took about twice as long as this on a (512, 128) batch and a third of a
    reference-head epoch (benchmarks/README.md). Other devices use `nn.Dropout`.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or x.device.type != "cpu" or not 0.0 < self.p < 1.0:
            return super().forward(x)
        # Keep each unit with probability 1 - p and scale it by 1 / (1 - p).
        keep = (torch.rand_like(x) >= self.p).to(x.dtype).mul_(1.0 / (1.0 - self.p))
        return x * keep


def mlp_tower(
    in_features: int, layers: tuple[int, ...], dropout: float
) -> nn.Sequential:
    """Build Linear -> ReLU -> Dropout blocks ending in one linear output unit."""
    blocks: list[nn.Module] = []
    for size in layers:
        blocks += [nn.Linear(in_features, size), nn.ReLU(), Dropout(dropout)]
        in_features = size
    blocks.append(nn.Linear(in_features, 1))
    return nn.Sequential(*blocks)


class MLPHead(nn.Module):
    """User and item embeddings, plus optional item inputs, concatenated into an MLP.

    Each of `item_inputs` maps (batch,) item indices to (batch, module.dim) extra
    item features, such as pooled genre embeddings. Plugin heads add their item
    features this way.
    """

    def __init__(
        self,
        params: MLPParams,
        shape: ModelShape,
        *,
        item_inputs: Sequence[nn.Module] = (),
    ) -> None:
        super().__init__()
        self.user_embedding = nn.Embedding(shape.n_users, params.embedding_dim)
        self.item_embedding = nn.Embedding(shape.n_items, params.embedding_dim)
        self.item_inputs = nn.ModuleList(item_inputs)
        width = 2 * params.embedding_dim + sum(int(m.dim) for m in item_inputs)
        self.mlp = mlp_tower(width, params.layers, params.dropout)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        parts = [self.user_embedding(users), self.item_embedding(items)]
        parts += [item_input(items) for item_input in self.item_inputs]
        x = torch.cat(parts, dim=1)
        # x: (batch, 2 * embedding_dim + the item inputs' dims)
        return self.mlp(x).squeeze(-1)


def build(
    params: MLPParams, *, shape: ModelShape, features: Mapping[str, torch.Tensor]
) -> MLPHead:
    return MLPHead(params, shape)


COMPONENT = Component(
    name="mlp",
    description="Reference NCF: concatenated user and item embeddings into an MLP",
    factory=build,
    params=MLPParams,
)
