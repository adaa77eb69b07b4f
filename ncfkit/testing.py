"""Helpers for testing components, ncfkit's own and plugins', on a few rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ncfkit.components import Dataset, FeatureContext, IdMap, Split


def feature_context(
    items: pd.DataFrame,
    ratings: pd.DataFrame,
    *,
    train: list[int],
    tags: pd.DataFrame | None = None,
) -> FeatureContext:
    """Build the FeatureContext of a split whose train rows are `train`.

    `ratings` has user_id, item_id, rating and timestamp columns. The other rows
    are held out: the first half of them is validation, the rest test.
    """
    id_map = IdMap.from_ratings(ratings)
    ratings = ratings.assign(
        user_index=id_map.user_index(ratings["user_id"]),
        item_index=id_map.item_index(ratings["item_id"]),
    )
    held_out = np.setdiff1d(np.arange(len(ratings)), train)
    split = Split(
        train=np.asarray(train, dtype=np.int64),
        validation=held_out[: len(held_out) // 2],
        test=held_out[len(held_out) // 2 :],
    )
    dataset = Dataset(
        name="generated",
        path=Path("generated"),
        layout="csv",
        ratings=ratings,
        items=items,
        tags=tags,
    )
    return FeatureContext(dataset=dataset, ratings=ratings, split=split, id_map=id_map)
