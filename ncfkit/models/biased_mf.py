"""Biased matrix factorization: global mean + user and item biases + dot product.

With `reg` > 0 the head regularises like classic biased MF (Koren, Bell and
Volinsky, "Matrix Factorization Techniques for Recommender Systems", IEEE Computer
2009): each training example adds λ (‖p_u‖² + ‖q_i‖² + b_u² + b_i²) for its own
user and item, so rows are shrunk in proportion to how often they are rated,
unlike Adam's weight_decay, which shrinks every row at every step.
"""

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
    reg: float = param(
        0.0,
        "L2 weight on the factor vectors of each training example's user and "
        "item, on the [0, 1] rating scale; 0 is off",
    )
    bias_reg: float = param(
        0.0,
        "L2 weight on the biases of each training example's user and item, on "
        "the [0, 1] rating scale; 0 is off",
    )

    def __post_init__(self) -> None:
        check_factor_params(self, weights=("reg", "bias_reg"))


def check_factor_params(params: object, *, weights: tuple[str, ...]) -> None:
    """Raise ValueError unless `params.embedding_dim` is at least 1 and each of the
    named penalty weights is at least 0."""
    embedding_dim = params.embedding_dim
    if embedding_dim < 1:
        raise ValueError(f"embedding_dim must be at least 1, got {embedding_dim}")
    for name in weights:
        if getattr(params, name) < 0:
            raise ValueError(f"{name} must be >= 0, got {getattr(params, name)}")


class BiasedMFHead(nn.Module):
    def __init__(self, params: BiasedMFParams, shape: ModelShape) -> None:
        super().__init__()
        self.reg = params.reg
        self.bias_reg = params.bias_reg
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

    def penalty(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Return λ times the batch mean of ‖p_u‖² + ‖q_i‖² + b_u² + b_i².

        The mean matches the trainer's mean squared error, so λ weighs one
        example's squared norms against that example's squared error, as in the
        per-example SGD objective. A user or item that appears k times in the
        batch is counted k times.
        """
        total = torch.zeros((), device=users.device)
        if self.reg > 0:
            factors = self.user_embedding(users).square().sum(dim=1) + (
                self.item_embedding(items).square().sum(dim=1)
            )  # (batch,)
            total = total + self.reg * factors.mean()
        if self.bias_reg > 0:
            biases = self.user_bias(users).square() + self.item_bias(items).square()
            # biases: (batch, 1)
            total = total + self.bias_reg * biases.mean()
        return total


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
