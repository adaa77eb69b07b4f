"""Unpacking dataset zips atomically, so that a half-extracted folder never appears.

Files are extracted into a hidden temporary folder beside the destination and the
folder is renamed into place only once extraction has finished. A zip passed with
`--data` goes to `<data dir>/unpacked/<sha256 of the zip>/`.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from ncfkit.data import checks
from ncfkit.errors import DataError

logger = logging.getLogger(__name__)

# Subfolders that archivers add and that never contain a dataset.
_IGNORED_FOLDERS = ("__MACOSX",)
ZIP_CACHE = "unpacked"


def unpack_zip(zip_path: Path, *, data_dir: Path) -> Path:
    """Extract `zip_path` into `<data_dir>/unpacked/<sha256 of the zip>/` once.

    Returns that folder. A later call with the same zip reuses it.
    """
    digest = checks.sha256_file(zip_path)
    cache = data_dir / ZIP_CACHE
    target = cache / digest
    if target.is_dir():
        logger.info("%s: using the copy unpacked in %s", zip_path, target)
        return target
    temporary = temporary_folder(cache, prefix=".unpacking-")
    try:
        extract_all(zip_path, temporary)
        move_into_place(temporary, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    logger.info("%s: unpacked into %s", zip_path, target)
    return target


def extract_all(zip_path: Path, destination: Path) -> None:
    """Extract every member of a zip, raising DataError when it is not a valid zip."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            # ZipFile.extractall drops absolute paths and '..' parts, so every
            # member lands inside `destination`.
            archive.extractall(destination)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise DataError(
            f"{zip_path} is not a valid zip ({error}); download it again, or unpack "
            "it yourself and pass the folder with --data"
        ) from None


def dataset_root(folder: Path, *, looks_like_dataset: Callable[[Path], bool]) -> Path:
    """Return `folder`, or its only subfolder when the files are one level down.

    GroupLens zips contain a folder named after the dataset, others contain the
    files directly. `looks_like_dataset(path)` returns whether a folder contains
    a dataset layout.
    """
    if looks_like_dataset(folder):
        return folder
    subfolders = [
        child
        for child in folder.iterdir()
        if child.is_dir()
        and child.name not in _IGNORED_FOLDERS
        and not child.name.startswith(".")
    ]
    if len(subfolders) == 1 and looks_like_dataset(subfolders[0]):
        return subfolders[0]
    return folder


def move_into_place(source: Path, target: Path) -> None:
    """Rename `source` to `target`; when another process got there first, keep theirs.

    On failure `source` is left for the caller to delete.
    """
    try:
        os.rename(source, target)
    except OSError:
        if not target.is_dir():
            raise
        logger.info("%s appeared meanwhile, keeping it", target)


def temporary_folder(parent: Path, *, prefix: str) -> Path:
    """Create `parent` if needed and a new hidden temporary folder inside it.

    Raises DataError when `parent` is not writable.
    """
    try:
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    except OSError as error:
        raise DataError(
            f"cannot write to the folder {parent} ({error.strerror or error}); set "
            "NCFKIT_DATA_DIR to a writable folder"
        ) from None
