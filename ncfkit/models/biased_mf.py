"""Biased matrix factorization: global mean + user and item biases + dot product."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from ncfkit.components import Component, ModelShape
from ncfkit.models.gmf import EMBEDDING_INIT_STD
from ncfkit.params import param


@dataclass(frozen=True)
class BiasedMFParams:
    embedding_dim: int = param(32, "size of the user and item factor vectors")

    def __post_init__(self) -> None:
        if self.embedding_dim < 1:
            raise ValueError(
                f"embedding_dim must be at least 1, got {self.embedding_dim}"
            )


class BiasedMFHead(nn.Module):
    def __init__(self, params: BiasedMFParams, shape: ModelShape) -> None:
        super().__init__()
        # The global mean is learned, starting from the mean training rating.
        self.global_mean = nn.Parameter(torch.tensor(float(shape.mean_rating)))
        self.user_bias = nn.Embedding(shape.n_users, 1)
        self.item_bias = nn.Embedding(shape.n_items, 1)
        self.user_embedding = nn.Embedding(shape.n_users, params.embedding_dim)
        self.item_embedding = nn.Embedding(shape.n_items, params.embedding_dim)
        nn.init.zeros_(self.user_bias.weight)
        nn.init.zeros_(self.item_bias.weight)
        nn.init.normal_(self.user_embedding.weight, std=EMBEDDING_INIT_STD)
        nn.init.normal_(self.item_embedding.weight, std=EMBEDDING_INIT_STD)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        user_vectors = self.user_embedding(users)  # (batch, embedding_dim)
        item_vectors = self.item_embedding(items)  # (batch, embedding_dim)
        dot = (user_vectors * item_vectors).sum(dim=1)  # (batch,)
        biases = self.user_bias(users).squeeze(-1) + self.item_bias(items).squeeze(-1)
        return self.global_mean + biases + dot  # (batch,)


def build(
    params: BiasedMFParams, *, shape: ModelShape, features: Mapping[str, torch.Tensor]
) -> BiasedMFHead:
    return BiasedMFHead(params, shape)


COMPONENT = Component(
    name="biased-mf",
    description="Biased MF: global mean, user and item biases, and a dot product",
    factory=build,
    params=BiasedMFParams,
)
