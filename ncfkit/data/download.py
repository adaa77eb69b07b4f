"""Named MovieLens datasets: where they live on disk and how they are downloaded.

A dataset named `name` lives in `<data_dir>/<name>/`. The data directory is the
NCFKIT_DATA_DIR environment variable when set, else the per-user cache directory
that `platformdirs.user_cache_dir("ncfkit")` returns.

A missing dataset is downloaded from GroupLens as
`https://files.grouplens.org/datasets/movielens/<name>.zip`. The environment
variable NCFKIT_DOWNLOAD_URL replaces the base URL (the part before `/<name>.zip`)
with a mirror or a local test server. `download_dataset(base_url=...)` does the
same for one call. The zip is written into a hidden temporary folder inside the data
directory, unpacked there, checked against the pinned SHA-256 sums, and only then
renamed to `<data_dir>/<name>/`. On any failure, Ctrl-C included, the temporary
folder is deleted, so a partial download never looks like a dataset. Nothing here
prompts.
"""

from __future__ import annotations

import http.client
import logging
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from ncfkit import __version__
from ncfkit.data import archive, checks
from ncfkit.errors import DataError
from ncfkit.params import suggest

logger = logging.getLogger(__name__)

DATA_DIR_ENV = "NCFKIT_DATA_DIR"
DOWNLOAD_URL_ENV = "NCFKIT_DOWNLOAD_URL"
DEFAULT_BASE_URL = "https://files.grouplens.org/datasets/movielens"
CHECKSUMS_FILE = "SHA256SUMS"
_CHUNK_BYTES = 1 << 20

# Called with (bytes received, total bytes or None without a Content-Length).
Progress = Callable[[int, int | None], None]

# SHA-256 of the official ml-latest-small files, with their CRLF line endings.
ML_LATEST_SMALL_SHA256 = {
    "ratings.csv": "aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646",
    "movies.csv": "5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07",
    "tags.csv": "92a9f8bb7916dceef6151209845788c3643f794dfa79d1feaec7121b5960399d",
    "links.csv": "97ad18e4e56a09363c65676b6cb3482ce3e2cea2372a24620c1599c843325f31",
}


@dataclass(frozen=True)
class KnownDataset:
    """A dataset GroupLens publishes as `<name>.zip`."""

    name: str
    # The top-level folder inside the official zip.
    folder: str
    # File name -> SHA-256 of the official files; empty when none are pinned.
    sha256: Mapping[str, str] = field(default_factory=dict)


KNOWN_DATASETS: dict[str, KnownDataset] = {
    dataset.name: dataset
    for dataset in (
        KnownDataset("ml-latest-small", "ml-latest-small", ML_LATEST_SMALL_SHA256),
        KnownDataset("ml-100k", "ml-100k"),
        KnownDataset("ml-1m", "ml-1m"),
        KnownDataset("ml-10m", "ml-10M100K"),
        KnownDataset("ml-latest", "ml-latest"),
        KnownDataset("ml-25m", "ml-25m"),
        KnownDataset("ml-32m", "ml-32m"),
    )
}


def default_data_dir() -> Path:
    """Return NCFKIT_DATA_DIR when set, else ncfkit's per-user cache directory."""
    configured = os.environ.get(DATA_DIR_ENV, "")
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_cache_dir("ncfkit"))


def known_dataset(name: str) -> KnownDataset:
    """Return the known dataset `name`, or raise DataError with a close match."""
    known = KNOWN_DATASETS.get(name)
    if known is None:
        names = list(KNOWN_DATASETS)
        raise DataError(
            f"unknown dataset {name!r}{suggest(name, names)}: choose one of "
            f"{', '.join(names)}, or pass a MovieLens folder or .zip with --data PATH"
        )
    return known


def find_dataset(name: str, *, data_dir: Path) -> Path | None:
    """Return the folder of dataset `name` in `data_dir`, or None when it is absent.

    Besides `<data_dir>/<name>/`, the folder name inside the official zip is
    accepted, for a zip that a user unpacked there by hand (ml-10m's is ml-10M100K).
    """
    candidates = [data_dir / name]
    known = KNOWN_DATASETS.get(name)
    if known is not None and known.folder != name:
        candidates.append(data_dir / known.folder)
    return next((folder for folder in candidates if folder.is_dir()), None)


def download_dataset(
    name: str,
    *,
    data_dir: Path,
    base_url: str | None = None,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> Path:
    """Download, check and unpack the known dataset `name` into `<data_dir>/<name>/`.

    `base_url` defaults to NCFKIT_DOWNLOAD_URL, then to GroupLens. `timeout` is in
    seconds and bounds each network operation, not the whole download. Returns the
    dataset folder. Raises DataError when the download fails, the zip is invalid
    or a pinned checksum does not match; nothing is left in `data_dir` then.
    """
    known = known_dataset(name)
    base = base_url or os.environ.get(DOWNLOAD_URL_ENV, "") or DEFAULT_BASE_URL
    url = f"{base.rstrip('/')}/{name}.zip"
    target = data_dir / name
    scratch = archive.temporary_folder(data_dir, prefix=f".download-{name}-")
    try:
        logger.info("downloading %s to %s", url, target)
        zip_path = scratch / f"{name}.zip"
        _fetch(url, zip_path, name=name, progress=progress, timeout=timeout)

        unpacked = scratch / "unpacked"
        try:
            archive.extract_all(zip_path, unpacked)
        except DataError as error:
            raise DataError(f"download of {url} failed: {error}") from None
        root = _zip_root(unpacked, known)

        checksums = _verify(root, known, url=url)
        archive.move_into_place(root, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    logger.info("%s: %d files checked and unpacked", target, len(checksums))
    return target


def pinned_mismatches(name: str, checksums: Mapping[str, str]) -> list[str]:
    """Return the files in `checksums` whose sum differs from the pinned one."""
    known = KNOWN_DATASETS.get(name)
    pinned = known.sha256 if known is not None else {}
    return [
        file
        for file, digest in checksums.items()
        if file in pinned and pinned[file] != digest
    ]


def _fetch(
    url: str,
    destination: Path,
    *,
    name: str,
    progress: Progress | None,
    timeout: float,
) -> None:
    headers = {"User-Agent": f"ncfkit/{__version__}"}
    request = urllib.request.Request(url, headers=headers)
    try:
        with (
            urllib.request.urlopen(request, timeout=timeout) as response,
            destination.open("wb") as output,
        ):
            total = _content_length(response)
            received = 0
            if progress is not None:
                progress(received, total)
            while chunk := response.read(_CHUNK_BYTES):
                output.write(chunk)
                received += len(chunk)
                if progress is not None:
                    progress(received, total)
    except urllib.error.HTTPError as error:
        reason = f"HTTP {error.code} {error.reason}"
    except urllib.error.URLError as error:
        reason = str(error.reason)
    except (OSError, http.client.HTTPException) as error:
        reason = str(error) or type(error).__name__
    else:
        if total is None or received >= total:
            return
        reason = f"connection closed after {received} of {total} bytes"
    raise DataError(
        f"download of {url} failed ({reason}); check the network connection, or "
        f"get {name}.zip another way and pass it, or its unpacked folder, with "
        "--data PATH"
    )


def _content_length(response: http.client.HTTPResponse) -> int | None:
    length = response.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _zip_root(unpacked: Path, known: KnownDataset) -> Path:
    """Return the folder inside the unpacked zip that contains the dataset's files."""
    expected = unpacked / known.folder
    if expected.is_dir():
        return expected
    return archive.dataset_root(
        unpacked,
        looks_like_dataset=lambda folder: any(c.is_file() for c in folder.iterdir()),
    )


def _verify(root: Path, known: KnownDataset, *, url: str) -> dict[str, str]:
    """Check the pinned sums, or record the computed ones when none are pinned."""
    if not known.sha256:
        checksums = {
            path.name: checks.sha256_file(path)
            for path in sorted(root.iterdir())
            if path.is_file()
        }
        # NOTE: GroupLens publishes no per-file sums for this dataset and none are
        # pinned here, so the first download is trusted; SHA256SUMS records it.
        logger.warning(
            "%s: no pinned SHA-256 sums for %s, recorded the computed sums of %d "
            "files in %s",
            url,
            known.name,
            len(checksums),
            CHECKSUMS_FILE,
        )
        lines = [f"{digest}  {file}\n" for file, digest in checksums.items()]
        (root / CHECKSUMS_FILE).write_text("".join(lines), encoding="utf-8")
        return checksums

    checksums = {}
    for file, expected in known.sha256.items():
        path = root / file
        if not path.is_file():
            raise DataError(
                f"download of {url} failed: the zip has no {file}; nothing was kept, "
                "try again later or pass a copy you trust with --data PATH"
            )
        actual = checks.sha256_file(path)
        if actual != expected:
            raise DataError(
                f"checksum mismatch for {file} in {url}: expected SHA-256 {expected}, "
                f"got {actual}; nothing was kept, try again later or pass a copy you "
                "trust with --data PATH"
            )
        checksums[file] = actual
    return checksums
