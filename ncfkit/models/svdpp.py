"""SVD++: biased MF whose user vector also sums factors of the items they rated.

Koren ("Factorization Meets the Neighborhood", KDD 2008) predicts

    r̂_ui = μ + b_u + b_i + q_iᵀ (p_u + |N(u)|^-1/2 Σ_{j ∈ N(u)} y_j)

where N(u) is the set of items user u rated in train (from the `implicit-feedback`
feature provider) and each y_j is an implicit factor of item j. With `reg`,
`bias_reg` and `implicit_reg` > 0, each training example adds Koren's penalty for
its own user and item: reg (‖p_u‖² + ‖q_i‖²) + bias_reg (b_u² + b_i²) +
implicit_reg Σ_{j ∈ N(u)} ‖y_j‖².
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from ncfkit.components import Component, ModelShape
from ncfkit.errors import ConfigError
from ncfkit.models.gmf import EMBEDDING_INIT_STD
from ncfkit.models.implicit_feedback import ITEMS, OFFSETS
from ncfkit.params import param


@dataclass(frozen=True)
class SVDppParams:
    embedding_dim: int = param(32, "size of the user, item and implicit factors")
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
    implicit_reg: float = param(
        0.0,
        "L2 weight on the implicit factors of each training example's user's "
        "train items, on the [0, 1] rating scale; 0 is off",
    )

    def __post_init__(self) -> None:
        if self.embedding_dim < 1:
            raise ValueError(
                f"embedding_dim must be at least 1, got {self.embedding_dim}"
            )
        for name in ("reg", "bias_reg", "implicit_reg"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")


@dataclass(frozen=True)
class _Bags:
    """The train items of a batch's distinct users, as EmbeddingBag input."""

    inverse: torch.Tensor  # (batch,) position of each row's user among the distinct
    items: torch.Tensor  # (n_items_of_distinct_users,) item indices, bag after bag
    offsets: torch.Tensor  # (n_distinct,) start of each bag in `items`
    sizes: torch.Tensor  # (n_distinct,) |N(u)| of each distinct user


class SVDppHead(nn.Module):
    def __init__(
        self,
        params: SVDppParams,
        shape: ModelShape,
        features: Mapping[str, torch.Tensor],
    ) -> None:
        super().__init__()
        self.reg = params.reg
        self.bias_reg = params.bias_reg
        self.implicit_reg = params.implicit_reg
        offsets, items = _implicit_sets(features, shape)
        # Fixed inputs that travel with the checkpoint's features, not its weights.
        self.register_buffer("train_offsets", offsets, persistent=False)
        self.register_buffer("train_items", items, persistent=False)

        self.global_mean = nn.Parameter(torch.tensor(float(shape.mean_rating)))
        self.user_bias = nn.Embedding(shape.n_users, 1)
        self.item_bias = nn.Embedding(shape.n_items, 1)
        self.user_embedding = nn.Embedding(shape.n_users, params.embedding_dim)
        self.item_embedding = nn.Embedding(shape.n_items, params.embedding_dim)
        self.implicit = nn.EmbeddingBag(shape.n_items, params.embedding_dim, mode="sum")
        nn.init.zeros_(self.user_bias.weight)
        nn.init.zeros_(self.item_bias.weight)
        for table in (self.user_embedding, self.item_embedding, self.implicit):
            nn.init.normal_(table.weight, std=EMBEDDING_INIT_STD)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        bags = self._bags(users)
        # Each distinct user's implicit vector once, then one copy per row.
        sums = self.implicit(bags.items, bags.offsets)  # (n_distinct, dim)
        scale = bags.sizes.clamp(min=1).to(sums.dtype).rsqrt().unsqueeze(1)
        implicit = (sums * scale)[bags.inverse]  # (batch, dim)

        user_vectors = self.user_embedding(users) + implicit  # (batch, dim)
        item_vectors = self.item_embedding(items)  # (batch, dim)
        dot = (user_vectors * item_vectors).sum(dim=1)  # (batch,)
        biases = self.user_bias(users).squeeze(-1) + self.item_bias(items).squeeze(-1)
        return self.global_mean + biases + dot  # (batch,)

    def penalty(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Return the batch mean of each example's weighted squared norms.

        The mean matches the trainer's mean squared error, so each weight sets
        one example's squared norms against that example's squared error. A row
        repeated in the batch is counted once per occurrence.
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
        if self.implicit_reg > 0:
            bags = self._bags(users)
            squared_norms = self.implicit.weight.square().sum(dim=1, keepdim=True)
            # squared_norms: (n_items, 1), summed over each distinct user's items.
            per_user = nn.functional.embedding_bag(
                bags.items, squared_norms, bags.offsets, mode="sum"
            )  # (n_distinct, 1)
            total = total + self.implicit_reg * per_user[bags.inverse].mean()
        return total

    def _bags(self, users: torch.Tensor) -> _Bags:
        """Gather the CSR slices of the distinct users in `users`."""
        distinct, inverse = torch.unique(users, return_inverse=True)
        starts = self.train_offsets[distinct]  # (n_distinct,)
        sizes = self.train_offsets[distinct + 1] - starts  # (n_distinct,)
        bag_offsets = torch.cumsum(sizes, dim=0) - sizes  # (n_distinct,)
        # Position k of bag b reads train_items[starts[b] + k].
        shift = torch.repeat_interleave(starts - bag_offsets, sizes)
        positions = shift + torch.arange(len(shift), device=users.device)
        return _Bags(inverse, self.train_items[positions], bag_offsets, sizes)


def _implicit_sets(
    features: Mapping[str, torch.Tensor], shape: ModelShape
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the checked (offsets, items) CSR tensors of the users' train items."""
    missing = [key for key in (OFFSETS, ITEMS) if key not in features]
    if missing:
        raise ConfigError(
            f"head 'svdpp' needs feature tensors {', '.join(missing)}, which the "
            "'implicit-feedback' feature provider computes: add a [[features]] "
            'entry with name = "implicit-feedback"'
        )
    offsets = features[OFFSETS].to(torch.long).cpu()
    items = features[ITEMS].to(torch.long).cpu()
    fits = (
        offsets.shape == (shape.n_users + 1,)
        and items.ndim == 1
        and int(offsets[0]) == 0
        and int(offsets[-1]) == len(items)
        and (
            len(items) == 0 or 0 <= int(items.min()) <= int(items.max()) < shape.n_items
        )
    )
    if not fits:
        raise ConfigError(
            f"features {OFFSETS} {tuple(offsets.shape)} and {ITEMS} "
            f"{tuple(items.shape)} do not fit the data's {shape.n_users} users and "
            f"{shape.n_items} items: the features were computed for another dataset"
        )
    return offsets, items


def build(
    params: SVDppParams, *, shape: ModelShape, features: Mapping[str, torch.Tensor]
) -> SVDppHead:
    return SVDppHead(params, shape, features)


COMPONENT = Component(
    name="svdpp",
    description="SVD++: biased MF plus implicit factors of each user's train items",
    factory=build,
    params=SVDppParams,
    requires=("implicit-feedback",),
)
