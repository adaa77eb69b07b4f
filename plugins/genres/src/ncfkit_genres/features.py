"""The `genres` feature provider: each item's genres as an embedding-bag input.

Genres are item metadata, not interactions, so the vocabulary is built from the
whole item table rather than from the training ratings. This leaks nothing about
held-out ratings, and a genre that only validation or test items carry still gets
an embedding row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from ncfkit.components import Component, FeatureContext
from ncfkit.params import NoParams

# A child of the "ncfkit" logger, so the messages reach the CLI and each run.log.
logger = logging.getLogger("ncfkit.plugins.genres")

# Keys of the tensors this provider returns.
INDEX = "genres.index"
OFFSETS = "genres.offsets"
COUNT = "genres.count"


@dataclass(frozen=True)
class GenreFeatures:
    """Fits the genre vocabulary and each item's genre indices."""

    def fit(self, context: FeatureContext) -> dict[str, torch.Tensor]:
        """Return each item's genres in `torch.nn.EmbeddingBag` form.

        `genres.index` (total,) contains genre indices item after item, `genres.offsets`
        (n_items,) where each item's run starts (an item without genres has an empty
        run), and `genres.count` (1,) the vocabulary size. Item i is the dense item
        index `context.id_map.item_ids[i]`.
        """
        items = context.dataset.items
        vocabulary = genre_vocabulary(items["genres"])
        by_item = pd.Series(items["genres"].to_numpy(), index=items["item_id"])
        by_item = by_item[~by_item.index.duplicated(keep="first")]
        genres = by_item.reindex(context.id_map.item_ids)

        position = {genre: i for i, genre in enumerate(vocabulary)}
        index: list[int] = []
        offsets = np.zeros(context.id_map.n_items, dtype=np.int64)
        missing = 0
        empty = 0
        for i, item_genres in enumerate(genres):
            offsets[i] = len(index)
            if not isinstance(item_genres, (tuple, list)):
                # A rated item absent from the item table has no known genres.
                missing += 1
                continue
            empty += not item_genres
            index.extend(position[g] for g in dict.fromkeys(item_genres))

        logger.info(
            "genres: %d genres, %d items, %d without genres, %d missing from the "
            "item table",
            len(vocabulary),
            context.id_map.n_items,
            empty + missing,
            missing,
        )
        return {
            INDEX: torch.tensor(index, dtype=torch.int64),
            OFFSETS: torch.from_numpy(offsets),
            COUNT: torch.tensor([len(vocabulary)], dtype=torch.int64),
        }


def genre_vocabulary(genres: pd.Series) -> list[str]:
    """Return the sorted distinct genres of a column of genre tuples."""
    distinct: set[str] = set()
    for item_genres in genres:
        if isinstance(item_genres, (tuple, list)):
            distinct.update(item_genres)
    return sorted(distinct)


def build(params: NoParams) -> GenreFeatures:
    return GenreFeatures()


COMPONENT = Component(
    name="genres",
    description="Each movie's genres, vocabulary from the whole item table",
    factory=build,
    params=NoParams,
)
