"""Generalized matrix factorization (GMF), the linear branch of NCF.

GMF (He et al., "Neural Collaborative Filtering", WWW 2017) weights the element-wise
product of the user and item embeddings with one linear layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from ncfkit.components import Component, ModelShape
from ncfkit.params import param

# Embeddings start as small Gaussian noise, so that their products start near 0 and
# the first predictions are the output bias: the mean training rating.
EMBEDDING_INIT_STD = 0.01


@dataclass(frozen=True)
class GMFParams:
    embedding_dim: int = param(32, "size of the user and item embeddings")

    def __post_init__(self) -> None:
        if self.embedding_dim < 1:
            raise ValueError(
                f"embedding_dim must be at least 1, got {self.embedding_dim}"
            )


class GMFHead(nn.Module):
    def __init__(self, params: GMFParams, shape: ModelShape) -> None:
        super().__init__()
        self.user_embedding = nn.Embedding(shape.n_users, params.embedding_dim)
        self.item_embedding = nn.Embedding(shape.n_items, params.embedding_dim)
        self.output = nn.Linear(params.embedding_dim, 1)
        nn.init.normal_(self.user_embedding.weight, std=EMBEDDING_INIT_STD)
        nn.init.normal_(self.item_embedding.weight, std=EMBEDDING_INIT_STD)
        nn.init.constant_(self.output.bias, shape.mean_rating)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        x = self.user_embedding(users) * self.item_embedding(items)
        # x: (batch, embedding_dim)
        return self.output(x).squeeze(-1)  # (batch,)


def build(
    params: GMFParams, *, shape: ModelShape, features: Mapping[str, torch.Tensor]
) -> GMFHead:
    return GMFHead(params, shape)


COMPONENT = Component(
    name="gmf",
    description="GMF: element-wise product of user and item embeddings, then linear",
    factory=build,
    params=GMFParams,
)
