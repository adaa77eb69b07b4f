"""Movie titles and genres for display, read from the dataset folder a run used.

Titles are optional: a run folder predicts and recommends without them. They are
read from the folder recorded in the checkpoint, else from the known dataset's
folder in the data directory. Nothing is ever downloaded for them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ncfkit.data import KNOWN_DATASETS, default_data_dir
from ncfkit.data.download import find_dataset
from ncfkit.errors import DataError
from ncfkit.registry import Registry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Catalog:
    """Titles and genres by movieId, or a `note` with the reason they are missing."""

    titles: pd.Series  # movieId -> title
    genres: pd.Series  # movieId -> tuple of genre names
    note: str | None = None

    @property
    def available(self) -> bool:
        return self.note is None

    @classmethod
    def unavailable(cls, note: str) -> Catalog:
        empty = pd.Series([], dtype=object, index=pd.Index([], dtype=np.int64))
        return cls(titles=empty, genres=empty, note=note)

    def lookup(self, movie_ids: np.ndarray) -> tuple[list[Any], list[tuple[str, ...]]]:
        """Return the titles (None when unknown) and genres of `movie_ids`."""
        titles = self.titles.reindex(movie_ids)
        genres = self.genres.reindex(movie_ids)
        return (
            [None if pd.isna(t) else t for t in titles],
            [g if isinstance(g, tuple) else () for g in genres],
        )


def read_catalog(dataset: dict[str, Any], *, registry: Registry) -> Catalog:
    """Read titles and genres of the dataset described by a checkpoint sidecar.

    `dataset` is the sidecar's `dataset` entry: name, path and file checksums.
    """
    name = str(dataset.get("name", ""))
    recorded = Path(str(dataset.get("path", "")))
    folder = _find_folder(name, recorded)
    if folder is None:
        note = (
            f"titles unavailable: dataset folder {recorded} not found; showing "
            "movieIds only (restore that folder, or put the dataset in the data "
            "folder, to see titles)"
        )
        logger.info(note)
        return Catalog.unavailable(note)

    from ncfkit.data import load_dataset

    try:
        # A folder passed as `data` is read as it is, never downloaded.
        found = load_dataset(dataset=name, data=folder, registry=registry)
    except DataError as error:
        note = f"titles unavailable: {error}; showing movieIds only"
        logger.info(note)
        return Catalog.unavailable(note)

    _warn_if_changed(folder, dataset.get("checksums") or {}, found.checksums)
    items = found.items.drop_duplicates("item_id").set_index("item_id")
    return Catalog(titles=items["title"], genres=items["genres"])


def _find_folder(name: str, recorded: Path) -> Path | None:
    if str(recorded) not in ("", ".") and recorded.is_dir():
        return recorded
    if name in KNOWN_DATASETS:
        return find_dataset(name, data_dir=default_data_dir())
    return None


def _warn_if_changed(
    folder: Path, recorded: dict[str, str], current: dict[str, str]
) -> None:
    changed = sorted(
        file
        for file, digest in recorded.items()
        if file in current and current[file] != digest
    )
    if changed:
        logger.warning(
            "titles may not match the run: %s in %s differ from the files the run "
            "was trained on",
            ", ".join(changed),
            folder,
        )
