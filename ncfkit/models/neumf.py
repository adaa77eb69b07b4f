"""Neural matrix factorization (NeuMF): GMF and MLP branches fused by one layer.

NeuMF (He et al., "Neural Collaborative Filtering", WWW 2017) gives each branch its
own user and item embeddings, concatenates the GMF product with the last hidden
layer of the MLP and maps the result to the prediction with one linear layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from ncfkit.components import Component, ModelShape
from ncfkit.models.gmf import EMBEDDING_INIT_STD
from ncfkit.models.mlp import mlp_tower
from ncfkit.params import param


@dataclass(frozen=True)
class NeuMFParams:
    gmf_dim: int = param(32, "size of the GMF branch's user and item embeddings")
    mlp_dim: int = param(32, "size of the MLP branch's user and item embeddings")
    layers: tuple[int, ...] = param((64, 32, 16), "hidden layer sizes of the MLP")
    dropout: float = param(0.3, "dropout after each hidden layer of the MLP")

    def __post_init__(self) -> None:
        if self.gmf_dim < 1:
            raise ValueError(f"gmf_dim must be at least 1, got {self.gmf_dim}")
        if self.mlp_dim < 1:
            raise ValueError(f"mlp_dim must be at least 1, got {self.mlp_dim}")
        if not self.layers or min(self.layers) < 1:
            raise ValueError(
                f"layers must be one or more positive sizes (for example 64,32,16), "
                f"got {self.layers}"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


class NeuMFHead(nn.Module):
    def __init__(self, params: NeuMFParams, shape: ModelShape) -> None:
        super().__init__()
        self.gmf_user = nn.Embedding(shape.n_users, params.gmf_dim)
        self.gmf_item = nn.Embedding(shape.n_items, params.gmf_dim)
        self.mlp_user = nn.Embedding(shape.n_users, params.mlp_dim)
        self.mlp_item = nn.Embedding(shape.n_items, params.mlp_dim)
        for embedding in (self.gmf_user, self.gmf_item, self.mlp_user, self.mlp_item):
            nn.init.normal_(embedding.weight, std=EMBEDDING_INIT_STD)
        # Drop the tower's 1-unit output layer: NeuMF fuses the last hidden layer.
        self.mlp = mlp_tower(2 * params.mlp_dim, params.layers, params.dropout)[:-1]
        self.output = nn.Linear(params.gmf_dim + params.layers[-1], 1)
        nn.init.constant_(self.output.bias, shape.mean_rating)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        gmf = self.gmf_user(users) * self.gmf_item(items)  # (batch, gmf_dim)
        mlp_input = torch.cat([self.mlp_user(users), self.mlp_item(items)], dim=1)
        mlp = self.mlp(mlp_input)  # (batch, layers[-1])
        x = torch.cat([gmf, mlp], dim=1)  # (batch, gmf_dim + layers[-1])
        return self.output(x).squeeze(-1)  # (batch,)


def build(
    params: NeuMFParams, *, shape: ModelShape, features: Mapping[str, torch.Tensor]
) -> NeuMFHead:
    return NeuMFHead(params, shape)


COMPONENT = Component(
    name="neumf",
    description="NeuMF: GMF and MLP branches with their own embeddings, fused",
    factory=build,
    params=NeuMFParams,
)
