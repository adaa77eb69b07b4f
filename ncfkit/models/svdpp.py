"""SVD++: biased MF whose user vector also sums factors of the items they rated.

Koren ("Factorization Meets the Neighborhood", KDD 2008) predicts

    r̂_ui = μ + b_u + b_i + q_iᵀ (p_u + |N(u)|^-1/2 Σ_{j ∈ N(u)} y_j)

where N(u) is the set of items user u rated in train and each y_j is an implicit
factor of item j. With `item_implicit`, the item vector gets the mirror-image
term over R(i), the users who rated item i in train, each with a factor z_v:
q_i + |R(i)|^-1/2 Σ_{v ∈ R(i)} z_v. Both sets come from the `implicit-feedback`
feature provider.

Each training example adds its own user's and item's penalty: reg (‖p_u‖² +
‖q_i‖²) + bias_reg (b_u² + b_i²) + implicit_reg Σ_{j ∈ N(u)} ‖y_j‖² +
item_implicit_reg Σ_{v ∈ R(i)} ‖z_v‖², the first three as in Koren's objective.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from ncfkit.components import Component, ModelShape
from ncfkit.errors import ConfigError
from ncfkit.models.biased_mf import check_factor_params
from ncfkit.models.gmf import EMBEDDING_INIT_STD
from ncfkit.models.implicit_feedback import (
    ITEM_OFFSETS,
    ITEM_USERS,
    USER_ITEMS,
    USER_OFFSETS,
)
from ncfkit.params import param


@dataclass(frozen=True)
class SVDppParams:
    embedding_dim: int = param(32, "size of the user, item and implicit factors")
    item_implicit: bool = param(
        False, "add implicit factors of the users who rated each item in train"
    )
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
        "L2 weight on the implicit factors of the train items of each training "
        "example's user, on the [0, 1] rating scale; 0 is off",
    )
    item_implicit_reg: float = param(
        0.0,
        "L2 weight on the implicit factors of the train users of each training "
        "example's item, on the [0, 1] rating scale; 0 is off",
    )

    def __post_init__(self) -> None:
        check_factor_params(
            self, weights=("reg", "bias_reg", "implicit_reg", "item_implicit_reg")
        )
        if self.item_implicit_reg > 0 and not self.item_implicit:
            raise ValueError(
                f"item_implicit_reg is {self.item_implicit_reg} but item_implicit is "
                "off: set item_implicit = true, or item_implicit_reg = 0"
            )


@dataclass(frozen=True)
class _Bags:
    """The sets of a batch's distinct users (or items), as EmbeddingBag input."""

    inverse: torch.Tensor  # (batch,) position of each row's key among the distinct
    members: torch.Tensor  # (n_members,) the members of all bags, bag after bag
    offsets: torch.Tensor  # (n_distinct,) start of each bag in `members`
    sizes: torch.Tensor  # (n_distinct,) size of each bag, |N(u)| or |R(i)|


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
        self.item_implicit_reg = params.item_implicit_reg
        # Fixed inputs that travel with the checkpoint's features, not its weights.
        user_offsets, user_items = _implicit_sets(
            features, USER_OFFSETS, USER_ITEMS, n_keys=shape.n_users, n=shape.n_items
        )
        self.register_buffer("user_offsets", user_offsets, persistent=False)
        self.register_buffer("user_items", user_items, persistent=False)

        dim = params.embedding_dim
        self.global_mean = nn.Parameter(torch.tensor(float(shape.mean_rating)))
        self.user_bias = nn.Embedding(shape.n_users, 1)
        self.item_bias = nn.Embedding(shape.n_items, 1)
        self.user_embedding = nn.Embedding(shape.n_users, dim)
        self.item_embedding = nn.Embedding(shape.n_items, dim)
        self.implicit = nn.EmbeddingBag(shape.n_items, dim, mode="sum")
        nn.init.zeros_(self.user_bias.weight)
        nn.init.zeros_(self.item_bias.weight)
        for table in (self.user_embedding, self.item_embedding, self.implicit):
            nn.init.normal_(table.weight, std=EMBEDDING_INIT_STD)

        # The item side exists only when enabled, so plain SVD++ keeps its weights.
        self.item_implicit: nn.EmbeddingBag | None = None
        if params.item_implicit:
            item_offsets, item_users = _implicit_sets(
                features,
                ITEM_OFFSETS,
                ITEM_USERS,
                n_keys=shape.n_items,
                n=shape.n_users,
            )
            self.register_buffer("item_offsets", item_offsets, persistent=False)
            self.register_buffer("item_users", item_users, persistent=False)
            self.item_implicit = nn.EmbeddingBag(shape.n_users, dim, mode="sum")
            nn.init.normal_(self.item_implicit.weight, std=EMBEDDING_INIT_STD)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        user_bags = _gather_bags(users, self.user_offsets, self.user_items)
        user_vectors = self.user_embedding(users) + _normalised_sum(
            self.implicit, user_bags
        )  # (batch, dim)
        item_vectors = self.item_embedding(items)  # (batch, dim)
        if self.item_implicit is not None:
            item_bags = _gather_bags(items, self.item_offsets, self.item_users)
            item_vectors = item_vectors + _normalised_sum(self.item_implicit, item_bags)

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
            bags = _gather_bags(users, self.user_offsets, self.user_items)
            total = total + self.implicit_reg * _summed_squares(self.implicit, bags)
        if self.item_implicit is not None and self.item_implicit_reg > 0:
            bags = _gather_bags(items, self.item_offsets, self.item_users)
            total = total + self.item_implicit_reg * _summed_squares(
                self.item_implicit, bags
            )
        return total


def _gather_bags(
    keys: torch.Tensor, offsets: torch.Tensor, members: torch.Tensor
) -> _Bags:
    """Gather the CSR slices `members[offsets[k] : offsets[k + 1]]` of the distinct
    `keys`, so that each distinct user's (or item's) set is summed once."""
    distinct, inverse = torch.unique(keys, return_inverse=True)
    starts = offsets[distinct]  # (n_distinct,)
    sizes = offsets[distinct + 1] - starts  # (n_distinct,)
    bag_offsets = torch.cumsum(sizes, dim=0) - sizes  # (n_distinct,)
    # Position p of bag b reads members[starts[b] + p].
    shift = torch.repeat_interleave(starts - bag_offsets, sizes)
    positions = shift + torch.arange(len(shift), device=keys.device)
    return _Bags(inverse, members[positions], bag_offsets, sizes)


def _normalised_sum(table: nn.EmbeddingBag, bags: _Bags) -> torch.Tensor:
    """Return |bag|^-1/2 times the sum of each bag's factors, one row per key."""
    sums = table(bags.members, bags.offsets)  # (n_distinct, dim)
    scale = bags.sizes.clamp(min=1).to(sums.dtype).rsqrt().unsqueeze(1)
    return (sums * scale)[bags.inverse]  # (batch, dim)


def _summed_squares(table: nn.EmbeddingBag, bags: _Bags) -> torch.Tensor:
    """Return the batch mean of the summed squared norms of each key's bag."""
    squared_norms = table.weight.square().sum(dim=1, keepdim=True)  # (n, 1)
    per_key = nn.functional.embedding_bag(
        bags.members, squared_norms, bags.offsets, mode="sum"
    )  # (n_distinct, 1)
    return per_key[bags.inverse].mean()


def _implicit_sets(
    features: Mapping[str, torch.Tensor],
    offsets_key: str,
    members_key: str,
    *,
    n_keys: int,
    n: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the checked CSR tensors (offsets, members) of one set family.

    `n_keys` is the number of sets (users or items) and `n` the number of
    possible members (items or users).
    """
    missing = [key for key in (offsets_key, members_key) if key not in features]
    if missing:
        raise ConfigError(
            f"head 'svdpp' needs feature tensors {', '.join(missing)}, which the "
            "'implicit-feedback' feature provider computes: add a [[features]] "
            'entry with name = "implicit-feedback"'
        )
    offsets = features[offsets_key].to(torch.long).cpu()
    members = features[members_key].to(torch.long).cpu()
    in_range = len(members) == 0 or (int(members.min()) >= 0 and int(members.max()) < n)
    fits = (
        offsets.shape == (n_keys + 1,)
        and members.ndim == 1
        and int(offsets[0]) == 0
        and int(offsets[-1]) == len(members)
        and in_range
    )
    if not fits:
        raise ConfigError(
            f"features {offsets_key} {tuple(offsets.shape)} and {members_key} "
            f"{tuple(members.shape)} do not fit {n_keys} sets of {n} possible "
            "members: the features were computed for another dataset"
        )
    return offsets, members


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
