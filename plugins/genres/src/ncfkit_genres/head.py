"""The `genres` head: NCF with a pooled genre embedding beside the item embedding."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from ncfkit.components import Component, ModelShape
from ncfkit.errors import ConfigError
from ncfkit.models.mlp import MLPHead, check_mlp_params
from ncfkit.params import param
from torch import nn

from ncfkit_genres.features import COUNT, INDEX, OFFSETS


@dataclass(frozen=True)
class GenresHeadParams:
    embedding_dim: int = param(64, "size of the user and item embeddings")
    genre_dim: int = param(16, "size of each genre embedding")
    layers: tuple[int, ...] = param((128, 64), "hidden layer sizes of the MLP")
    dropout: float = param(0.3, "dropout after each hidden layer")

    def __post_init__(self) -> None:
        check_mlp_params(
            embedding_dim=self.embedding_dim, layers=self.layers, dropout=self.dropout
        )
        if self.genre_dim < 1:
            raise ValueError(f"genre_dim must be at least 1, got {self.genre_dim}")


class GenreBag(nn.Module):
    """Mean of an item's genre embeddings, or a learned vector for no genres.

    The items' genre lists are stored as a padded (n_items, max_genres) buffer, so a
    batch is one gather plus one `nn.EmbeddingBag` call. Padding entries are left
    out of the mean. An item without genres would pool to zeros, so it gets the
    learned `no_genres` vector instead, which lets the model tell "no genres" apart
    from an average of genres.
    """

    def __init__(
        self, features: Mapping[str, torch.Tensor], *, n_items: int, dim: int, head: str
    ) -> None:
        super().__init__()
        self.dim = dim
        index, offsets, n_genres = _check_features(features, n_items=n_items, head=head)
        lengths = torch.diff(offsets, append=torch.tensor([len(index)]))
        width = max(int(lengths.max()), 1) if n_items else 1
        padded = torch.full((n_items, width), n_genres, dtype=torch.int64)
        # (n_items, width): column j contains the item's j-th genre, else padding.
        columns = torch.arange(width).expand(n_items, width)
        padded[columns < lengths[:, None]] = index

        self.register_buffer("genres", padded, persistent=False)
        self.register_buffer("empty", lengths == 0, persistent=False)
        self.bag = nn.EmbeddingBag(n_genres + 1, dim, mode="mean", padding_idx=n_genres)
        # Small weights, so that a genre no training item carries (one only on
        # validation or test items) adds little noise: it is never updated.
        nn.init.normal_(self.bag.weight, std=0.01)
        with torch.no_grad():
            self.bag.weight[n_genres].zero_()
        self.no_genres = nn.Parameter(torch.zeros(dim))

    def forward(self, items: torch.Tensor) -> torch.Tensor:
        pooled = self.bag(self.genres[items])  # (batch, dim)
        empty = self.empty[items].unsqueeze(-1)  # (batch, 1)
        return torch.where(empty, self.no_genres, pooled)


def _check_features(
    features: Mapping[str, torch.Tensor], *, n_items: int, head: str
) -> tuple[torch.Tensor, torch.Tensor, int]:
    missing = [key for key in (INDEX, OFFSETS, COUNT) if key not in features]
    if missing:
        raise ConfigError(
            f"head {head!r} needs feature tensors {', '.join(missing)}, which the "
            "'genres' feature provider computes: add --plugin genres, or a "
            '[[features]] entry with name = "genres"'
        )
    index = features[INDEX].to(torch.int64).cpu()
    offsets = features[OFFSETS].to(torch.int64).cpu()
    n_genres = int(features[COUNT].reshape(-1)[0])
    if offsets.shape != (n_items,):
        raise ConfigError(
            f"feature {OFFSETS} has shape {tuple(offsets.shape)} but the data has "
            f"{n_items} items: the features were computed for another dataset"
        )
    steps = torch.diff(offsets, append=torch.tensor([len(index)]))
    if n_items and (int(offsets[0]) != 0 or int(steps.min()) < 0):
        raise ConfigError(
            f"feature {OFFSETS} must start at 0 and not decrease, with its last "
            f"value at most the length of {INDEX}: recompute the genre features"
        )
    if len(index) and (int(index.min()) < 0 or int(index.max()) >= n_genres):
        raise ConfigError(
            f"feature {INDEX} contains genre indices outside 0..{n_genres - 1}: the "
            "genre features are inconsistent, recompute them"
        )
    return index, offsets, n_genres


def build(
    params: GenresHeadParams, *, shape: ModelShape, features: Mapping[str, torch.Tensor]
) -> MLPHead:
    genre_bag = GenreBag(
        features, n_items=shape.n_items, dim=params.genre_dim, head="genres"
    )
    return MLPHead(params, shape, item_inputs=[genre_bag])


COMPONENT = Component(
    name="genres",
    description="NCF with a mean-pooled genre embedding concatenated before the MLP",
    factory=build,
    params=GenresHeadParams,
    requires=("genres",),
)
