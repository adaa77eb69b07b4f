"""Data preparation of a run: read, filter, split, number ids, fit features.

Every step is a plain function of plain data. All input problems surface here as
UsageError, before a run folder exists, so bad input never leaves a half-written
run behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from ncfkit.components import Dataset, FeatureContext, IdMap, ModelShape, Split
from ncfkit.config import RunConfig
from ncfkit.errors import DataError, UsageError
from ncfkit.registry import Registry

logger = logging.getLogger(__name__)

PARTS = ("train", "validation", "test")


@dataclass
class PreparedData:
    """The ratings of a run, numbered and split, with the head's feature tensors."""

    dataset: Dataset
    # Kept ratings: user_id, item_id, rating, timestamp, user_index, item_index.
    ratings: pd.DataFrame
    id_map: IdMap
    split: Split
    features: dict[str, torch.Tensor]
    rating_min: float
    rating_max: float

    def part(self, name: str) -> pd.DataFrame:
        return self.ratings.iloc[getattr(self.split, name)]

    @property
    def shape(self) -> ModelShape:
        train = self.part("train")
        return ModelShape(
            n_users=self.id_map.n_users,
            n_items=self.id_map.n_items,
            mean_rating=float(train["rating"].mean() / self.rating_max),
        )

    def summary(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset.name,
            "n_users": self.id_map.n_users,
            "n_items": self.id_map.n_items,
            "n_ratings": len(self.ratings),
            "split": {name: len(getattr(self.split, name)) for name in PARTS},
            "dropped_by_split": {
                "users": self.split.dropped_users,
                "rows": self.split.dropped_rows,
            },
            "duplicates_dropped": getattr(self.dataset, "duplicates_dropped", 0),
        }


def prepare_data(
    config: RunConfig,
    *,
    registry: Registry,
    data_dir: Path | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> PreparedData:
    """Run the data stages of `config` and return what training needs."""
    from ncfkit.data import load_dataset

    dataset = load_dataset(
        dataset=config.dataset,
        data=config.data or None,
        registry=registry,
        data_dir=data_dir,
        progress=progress,
    )
    ratings = apply_filters(dataset.ratings, config, registry=registry)
    ratings, split = split_ratings(ratings, config, registry=registry)
    id_map = IdMap.from_ratings(ratings)
    ratings = ratings.assign(
        user_index=id_map.user_index(ratings["user_id"]),
        item_index=id_map.item_index(ratings["item_id"]),
    )
    logger.info(
        "%d ratings of %d users and %d items; train %d, validation %d, test %d",
        len(ratings),
        id_map.n_users,
        id_map.n_items,
        len(split.train),
        len(split.validation),
        len(split.test),
    )
    features = fit_features(
        config,
        registry=registry,
        context=FeatureContext(dataset, ratings, split, id_map),
    )
    return PreparedData(
        dataset=dataset,
        ratings=ratings,
        id_map=id_map,
        split=split,
        features=features,
        rating_min=float(ratings["rating"].min()),
        rating_max=float(ratings["rating"].max()),
    )


def apply_filters(
    ratings: pd.DataFrame, config: RunConfig, *, registry: Registry
) -> pd.DataFrame:
    """Apply the configured filters in order; raise DataError if none is left."""
    if ratings.empty:
        raise DataError("the ratings file has no rows: use a dataset with ratings")
    for entry in config.filters:
        component = registry.get("filter", entry.name).component
        before = len(ratings)
        ratings = component.factory(entry.params)(ratings)
        logger.info(
            "filter %s kept %d of %d ratings (%d users, %d items)",
            entry.name,
            len(ratings),
            before,
            ratings["user_id"].nunique(),
            ratings["item_id"].nunique(),
        )
        if ratings.empty:
            raise DataError(
                f"no ratings left after filter {entry.name!r} ({entry.params}): "
                f"lower its thresholds, e.g. --set filters.{entry.name}.PARAM=VALUE"
            )
    return ratings.reset_index(drop=True)


def split_ratings(
    ratings: pd.DataFrame, config: RunConfig, *, registry: Registry
) -> tuple[pd.DataFrame, Split]:
    """Split `ratings` and drop the rows the splitter left out.

    Returns the kept rows in their original order and the split as positions
    into them.
    """
    component = registry.get("splitter", config.splitter.name).component
    split = component.factory(config.splitter.params)(ratings)
    if split.dropped_rows:
        logger.info(
            "splitter %s dropped %d ratings of %d users (%s)",
            config.splitter.name,
            split.dropped_rows,
            split.dropped_users,
            split.reason or "too few ratings",
        )
    for name in PARTS:
        if len(getattr(split, name)) == 0:
            raise UsageError(
                f"the {name} part of the split is empty after splitter "
                f"{config.splitter.name!r}: use more data or change its fractions"
            )
    kept = np.sort(np.concatenate([split.train, split.validation, split.test]))
    renumbered = Split(
        *(np.searchsorted(kept, getattr(split, name)) for name in PARTS),
        dropped_users=split.dropped_users,
        dropped_rows=split.dropped_rows,
        reason=split.reason,
    )
    return ratings.iloc[kept].reset_index(drop=True), renumbered


def fit_features(
    config: RunConfig, *, registry: Registry, context: FeatureContext
) -> dict[str, torch.Tensor]:
    """Fit the configured feature providers and merge their tensors."""
    features: dict[str, torch.Tensor] = {}
    for entry in config.features:
        component = registry.get("features", entry.name).component
        tensors = component.factory(entry.params).fit(context)
        for key in tensors:
            if key in features:
                raise UsageError(
                    f"feature provider {entry.name!r} returned tensor {key!r}, which "
                    "another provider already returned: namespace keys by provider"
                )
        features.update(tensors)
        logger.info("feature provider %s: %s", entry.name, ", ".join(sorted(tensors)))
    return features
