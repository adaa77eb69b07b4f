"""A description of the data source of a run, for the setup screen."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ncfkit.data.download import (
    DATA_DIR_ENV,
    DEFAULT_BASE_URL,
    DOWNLOAD_URL_ENV,
    KNOWN_DATASETS,
    default_data_dir,
    find_dataset,
)

GROUPLENS_PAGE = "https://grouplens.org/datasets/movielens/"


@dataclass(frozen=True)
class DataHint:
    """A one-paragraph status of the data source. `ok` is False when Start would
    need a download or would fail."""

    ok: bool
    text: str


def known_dataset_names() -> list[str]:
    return list(KNOWN_DATASETS)


def data_hint(dataset: str, data: str, *, data_dir: Path | None) -> DataHint:
    """Describe the data a run with `dataset` and `data` would read."""
    if data:
        path = Path(data).expanduser()
        if path.is_dir():
            return DataHint(True, f"Reads the MovieLens folder {path}.")
        if path.is_file() and path.suffix.lower() == ".zip":
            return DataHint(True, f"Reads the MovieLens archive {path}.")
        if path.exists():
            return DataHint(False, f"{path} is not a folder or a .zip file.")
        return DataHint(False, f"{path} not found: enter a MovieLens folder or .zip.")

    if dataset not in KNOWN_DATASETS:
        return DataHint(
            False,
            f"unknown dataset {dataset!r}: choose one of "
            f"{', '.join(KNOWN_DATASETS)}, or enter a MovieLens folder or .zip.",
        )
    folder = data_dir if data_dir is not None else default_data_dir()
    found = find_dataset(dataset, data_dir=folder)
    if found is not None:
        return DataHint(True, f"{dataset} found in {found}.")
    base = os.environ.get(DOWNLOAD_URL_ENV, "")
    # The same URL that download_dataset builds from the same variable.
    url = f"{(base or DEFAULT_BASE_URL).rstrip('/')}/{dataset}.zip"
    source = f"{url} (set by {DOWNLOAD_URL_ENV})" if base else url
    copy = "a copy's folder or .zip"
    if base:
        copy += f" (from {GROUPLENS_PAGE})"
    return DataHint(
        False,
        f"{dataset} is not in {folder} yet: Start downloads {source}. Offline, "
        f"enter {copy} as the data path, or set {DATA_DIR_ENV} to a folder "
        f"holding {dataset}/.",
    )
