"""The entry point that turns a dataset name or a `--data` path into a Dataset."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import Any

from ncfkit.components import Dataset
from ncfkit.data import archive
from ncfkit.data.download import (
    Progress,
    default_data_dir,
    download_dataset,
    find_dataset,
    known_dataset,
    pinned_mismatches,
)
from ncfkit.errors import DataError, NcfkitError
from ncfkit.registry import Registry

logger = logging.getLogger(__name__)

RATINGS_COLUMNS = ("user_id", "item_id", "rating", "timestamp")


def load_dataset(
    *,
    dataset: str,
    data: str | Path | None,
    registry: Registry,
    data_dir: Path | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Read a MovieLens dataset with the first registered reader that detects it.

    `data`, a folder or a `.zip` of one, wins over `dataset`; an empty string counts
    as absent. Without it, `dataset` is looked up in `data_dir` (default:
    `default_data_dir()`) and downloaded there when missing, with `progress`
    called as bytes arrive. A zip is unpacked once into `<data_dir>/unpacked/`.
    Every user mistake raises DataError with the path or value and the fix.
    """
    data_dir = data_dir if data_dir is not None else default_data_dir()
    readers = _readers(registry)

    from_data_dir = data is None or str(data) == ""
    if from_data_dir:
        folder = find_dataset(dataset, data_dir=data_dir)
        if folder is None:
            known_dataset(dataset)
            folder = download_dataset(dataset, data_dir=data_dir, progress=progress)
        name = dataset
    else:
        folder, name = _open_data_path(Path(data), data_dir=data_dir, readers=readers)

    reader_name, reader = _choose_reader(folder, readers)
    try:
        result = reader.read(folder, name=name)
    except OSError as error:
        raise DataError(
            f"cannot read {error.filename or folder} ({error.strerror or error}); "
            "check that the file exists and is readable"
        ) from None
    _check_result(result, reader_name)

    mismatched = pinned_mismatches(dataset, result.checksums) if from_data_dir else []
    if mismatched:
        logger.warning(
            "%s: files differ from the official %s release: %s; delete the folder "
            "to download it again",
            folder,
            dataset,
            ", ".join(mismatched),
        )
    logger.info(
        "dataset %s: %d ratings by %d users of %d items (%d listed), %d duplicate "
        "ratings dropped, reader %s",
        name,
        len(result.ratings),
        result.ratings["user_id"].nunique(),
        result.ratings["item_id"].nunique(),
        len(result.items),
        result.duplicates_dropped,
        reader_name,
    )
    return result


def _readers(registry: Registry) -> list[tuple[str, str, Any]]:
    """Return (name, description, reader object) for each registered reader."""
    readers = []
    for registered in registry.components("reader"):
        component = registered.component
        reader = component.factory(component.params())
        readers.append((component.name, component.description, reader))
    return readers


def _open_data_path(
    path: Path, *, data_dir: Path, readers: list[tuple[str, str, Any]]
) -> tuple[Path, str]:
    """Return the folder to read for `--data PATH` and the dataset's name."""
    path = path.expanduser()
    if not path.exists():
        raise DataError(
            f"data path {path} not found: pass a MovieLens folder or a .zip of one "
            "with --data"
        )
    if path.is_dir():
        return path, path.resolve().name
    if path.suffix.lower() != ".zip" and not zipfile.is_zipfile(path):
        raise DataError(
            f"data path {path} is a file, not a folder or a .zip: pass the folder "
            f"that contains it ({path.parent}) with --data"
        )
    unpacked = archive.unpack_zip(path, data_dir=data_dir)
    root = archive.dataset_root(
        unpacked, looks_like_dataset=lambda folder: _detect(folder, readers) is not None
    )
    return root, path.stem


def _choose_reader(
    folder: Path, readers: list[tuple[str, str, Any]]
) -> tuple[str, Any]:
    chosen = _detect(folder, readers)
    if chosen is not None:
        return chosen

    # Plugin readers may not list their files, so their description is shown.
    expected = "; ".join(
        f"{name} ({getattr(reader, 'expected', description)})"
        for name, description, reader in readers
    )
    found = sorted(child.name for child in folder.iterdir())
    listing = ", ".join(found[:10]) + (", ..." if len(found) > 10 else "")
    hint = ""
    nested = [child for child in folder.iterdir() if child.is_dir()]
    matching = [child for child in nested if _detect(child, readers) is not None]
    if len(matching) == 1:
        hint = f"; did you mean {matching[0]}?"
    raise DataError(
        f"{folder} has no known dataset layout (found: {listing or 'no files'}); "
        f"expected the files of one of these layouts: {expected}{hint}"
    )


def _detect(
    folder: Path, readers: list[tuple[str, str, Any]]
) -> tuple[str, Any] | None:
    for name, _, reader in readers:
        try:
            if reader.detect(folder):
                return name, reader
        except Exception as error:  # a plugin reader's bug must not hide the others
            logger.warning("reader %s failed to inspect %s: %s", name, folder, error)
    return None


def _check_result(result: Any, reader_name: str) -> None:
    """Reject a reader result that breaks the Dataset contract (a plugin bug)."""
    if not isinstance(result, Dataset):
        raise NcfkitError(
            f"reader {reader_name!r} returned {type(result).__name__}, expected "
            "ncfkit.components.Dataset"
        )
    missing = [c for c in RATINGS_COLUMNS if c not in result.ratings.columns]
    if missing:
        raise NcfkitError(
            f"reader {reader_name!r} returned ratings without the column(s) "
            f"{', '.join(missing)}"
        )
