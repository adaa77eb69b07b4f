"""The `tags` and `genres-tags` heads: NCF with each item's tag vector as input."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from ncfkit.components import Component, ModelShape
from ncfkit.errors import ConfigError
from ncfkit.models.mlp import MLPHead, MLPParams
from ncfkit_genres.head import GenreBag, GenresHeadParams
from torch import nn

from ncfkit_tags.features import HAS_TAGS, VECTORS

# The tags head takes the reference MLP's parameters, and genres-tags the genres
# head's: the tag vector adds no parameter of the head's own.
TagsHeadParams = MLPParams
GenresTagsHeadParams = GenresHeadParams


class TagInput(nn.Module):
    """An item's tag vector followed by a 0/1 "no tags" indicator.

    Untagged items have a zero tag vector, so only the indicator distinguishes them.
    Its weights in the MLP's first layer are learned, which amounts to a learned
    offset for items without tags. The features are fixed, so they are buffers.
    """

    def __init__(
        self, features: Mapping[str, torch.Tensor], *, n_items: int, head: str
    ) -> None:
        super().__init__()
        missing = [key for key in (VECTORS, HAS_TAGS) if key not in features]
        if missing:
            raise ConfigError(
                f"head {head!r} needs feature tensors {', '.join(missing)}, which the "
                "'tags' feature provider computes: add --plugin tags, or a "
                '[[features]] entry with name = "tags"'
            )
        vectors = features[VECTORS].to(torch.float32).cpu()
        has_tags = features[HAS_TAGS].to(torch.bool).cpu()
        if vectors.ndim != 2 or len(vectors) != n_items or has_tags.shape != (n_items,):
            raise ConfigError(
                f"features {VECTORS} {tuple(vectors.shape)} and {HAS_TAGS} "
                f"{tuple(has_tags.shape)} do not match the data's {n_items} items: "
                "the features were computed for another dataset"
            )
        no_tags = (~has_tags).to(torch.float32).unsqueeze(-1)
        # (n_items, dim + 1): the tag vector, then the "no tags" indicator.
        self.register_buffer(
            "inputs", torch.cat([vectors, no_tags], dim=1), persistent=False
        )

    @property
    def dim(self) -> int:
        return self.inputs.shape[1]

    def forward(self, items: torch.Tensor) -> torch.Tensor:
        return self.inputs[items]  # (batch, dim + 1)


def build_tags(
    params: TagsHeadParams, *, shape: ModelShape, features: Mapping[str, torch.Tensor]
) -> MLPHead:
    tag_input = TagInput(features, n_items=shape.n_items, head="tags")
    return MLPHead(params, shape, item_inputs=[tag_input])


def build_genres_tags(
    params: GenresTagsHeadParams,
    *,
    shape: ModelShape,
    features: Mapping[str, torch.Tensor],
) -> MLPHead:
    genre_bag = GenreBag(
        features, n_items=shape.n_items, dim=params.genre_dim, head="genres-tags"
    )
    tag_input = TagInput(features, n_items=shape.n_items, head="genres-tags")
    return MLPHead(params, shape, item_inputs=[genre_bag, tag_input])


TAGS = Component(
    name="tags",
    description="NCF with each movie's TF-IDF + SVD tag vector before the MLP",
    factory=build_tags,
    params=TagsHeadParams,
    requires=("tags",),
)

GENRES_TAGS = Component(
    name="genres-tags",
    description="NCF with pooled genre embeddings and tag vectors (needs --plugin "
    "genres)",
    factory=build_genres_tags,
    params=GenresTagsHeadParams,
    requires=("genres", "tags"),
)
