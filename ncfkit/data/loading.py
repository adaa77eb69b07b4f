"""The entry point that turns a dataset name or a `--data` path into a Dataset.

A `.zip` given as `--data` is unpacked into `<data dir>/unpacked/<sha256 of the
zip>/` and reused while the zip stays the same. When the unpacked files hold no
known layout or fail to read, that folder is deleted again and the error names
the zip, so nothing of a failed zip stays in the data directory.
"""

from __future__ import annotations

import logging
import shutil
import zipfile
from pathlib import Path, PurePosixPath
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
        reader_name, reader = _choose_reader(folder, readers)
        result = _read(reader, folder, name=name)
    else:
        path = Path(data).expanduser()
        if _is_zip(path):
            folder, reader_name, result = _read_zip(
                path, data_dir=data_dir, readers=readers
            )
        else:
            folder = path
            reader_name, reader = _choose_reader(folder, readers)
            result = _read(reader, folder, name=folder.resolve().name)
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
        result.name,
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


def _read(reader: Any, folder: Path, *, name: str) -> Any:
    """Run `reader` on `folder`, turning an OSError into a DataError."""
    try:
        return reader.read(folder, name=name)
    except OSError as error:
        raise DataError(
            f"cannot read {error.filename or folder} ({error.strerror or error}); "
            "check that the file exists and is readable"
        ) from None


def _is_zip(path: Path) -> bool:
    """Return whether `--data PATH` names a zip, raising DataError for other files."""
    if not path.exists():
        raise DataError(
            f"data path {path} not found: pass a MovieLens folder or a .zip of one "
            "with --data"
        )
    if path.is_dir():
        return False
    if path.suffix.lower() != ".zip" and not zipfile.is_zipfile(path):
        raise DataError(
            f"data path {path} is a file, not a folder or a .zip: pass the folder "
            f"that contains it ({path.parent}) with --data"
        )
    return True


def _read_zip(
    zip_path: Path, *, data_dir: Path, readers: list[tuple[str, str, Any]]
) -> tuple[Path, str, Any]:
    """Unpack and read a zip, returning (dataset folder, reader name, result).

    On a DataError the unpacked copy is deleted and the error names the zip.
    """
    unpacked = archive.unpack_zip(zip_path, data_dir=data_dir)
    folder = archive.dataset_root(
        unpacked, looks_like_dataset=lambda path: _detect(path, readers) is not None
    )
    chosen = _detect(folder, readers)
    if chosen is None:
        shutil.rmtree(unpacked, ignore_errors=True)
        raise DataError(_zip_without_layout_message(zip_path, data_dir, readers))

    reader_name, reader = chosen
    try:
        result = _read(reader, folder, name=zip_path.stem)
    except DataError as error:
        shutil.rmtree(unpacked, ignore_errors=True)
        raise DataError(
            f"{error} (the file was unpacked from {zip_path}; fix the file in the "
            "zip, or unpack the zip and pass the folder with --data)"
        ) from None
    return folder, reader_name, result


def _zip_without_layout_message(
    zip_path: Path, data_dir: Path, readers: list[tuple[str, str, Any]]
) -> str:
    cache = f"{data_dir / archive.ZIP_CACHE}/<sha256>/"
    members = _zip_files(zip_path)
    if not members:
        return (
            f"{zip_path} contains no files: pass a zip of a MovieLens folder with "
            f"--data (zips are unpacked into {cache}, and this one was removed "
            "from there)"
        )
    listing = ", ".join(members[:10]) + (", ..." if len(members) > 10 else "")
    hint = _misplaced_file_hint(members, readers)
    return (
        f"{zip_path} has no known dataset layout (found: {listing}); expected the "
        f"files of one of these layouts: {_expected_layouts(readers)}{hint} "
        f"(zips are unpacked into {cache}, and this one was removed from there)"
    )


def _misplaced_file_hint(
    members: list[str], readers: list[tuple[str, str, Any]]
) -> str:
    """Return where in a zip a layout's file sits, or "" when none is in it."""
    reader_files = [tuple(getattr(reader, "files", ())) for _, _, reader in readers]
    layout_files = {file for files in reader_files for file in files}
    # Each built-in reader lists its ratings file first, the one worth naming.
    ratings_files = {files[0] for files in reader_files if files}

    placed = [
        PurePosixPath(member)
        for member in members
        if PurePosixPath(member).name in layout_files
    ]
    if not placed:
        return ""
    first = min(
        placed,
        key=lambda member: (
            member.name not in ratings_files,
            len(member.parts),
            member,
        ),
    )
    return (
        f"; {first.name} is in {first.parent}/ but a dataset's files must be at "
        "the top of the zip or in its only folder"
    )


def _zip_files(zip_path: Path) -> list[str]:
    """Return the sorted file names in a zip, without folders and macOS metadata."""
    with zipfile.ZipFile(zip_path) as archive_file:
        names = archive_file.namelist()
    return sorted(
        name
        for name in names
        if not name.endswith("/") and not name.startswith("__MACOSX/")
    )


def _expected_layouts(readers: list[tuple[str, str, Any]]) -> str:
    # Plugin readers may not list their files, so their description is shown.
    return "; ".join(
        f"{name} ({getattr(reader, 'expected', description)})"
        for name, description, reader in readers
    )


def _choose_reader(
    folder: Path, readers: list[tuple[str, str, Any]]
) -> tuple[str, Any]:
    chosen = _detect(folder, readers)
    if chosen is not None:
        return chosen

    expected = _expected_layouts(readers)
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
