"""Fixtures shared by ncfkit's tests and the plugin packages' tests.

The end-to-end tests need the real MovieLens ml-latest-small folder and its zip.
They are looked up in NCFKIT_TEST_DATASETS, then in `shared/datasets` beside the
checkout, then in NCFKIT_DATA_DIR. Where none has them, those tests are skipped
with the reason, unless NCFKIT_REQUIRE_REAL_DATA=1 (as CI sets), which fails them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent
REQUIRE_REAL_DATA_ENV = "NCFKIT_REQUIRE_REAL_DATA"
# Read once at import: the autouse fixture below replaces it for every test.
USER_DATA_DIR = os.environ.get("NCFKIT_DATA_DIR", "")


def _candidate_folders() -> list[Path]:
    folders = [os.environ.get("NCFKIT_TEST_DATASETS", "")]
    folders.append(str(REPO_ROOT.parent / "shared" / "datasets"))
    folders.append(USER_DATA_DIR)
    return [Path(folder).expanduser() for folder in folders if folder]


def _find_real_data(*, with_zip: bool) -> Path:
    for folder in _candidate_folders():
        has_folder = (folder / "ml-latest-small" / "ratings.csv").is_file()
        has_zip = (folder / "ml-latest-small.zip").is_file()
        if has_folder and (has_zip or not with_zip):
            return folder
    looked = ", ".join(str(f) for f in _candidate_folders())
    expected = (
        "ml-latest-small/ and ml-latest-small.zip" if with_zip else "ml-latest-small/"
    )
    message = (
        f"real data missing: none of {looked} contains {expected}; set "
        "NCFKIT_TEST_DATASETS to the folder that does"
    )
    if os.environ.get(REQUIRE_REAL_DATA_ENV, "") not in ("", "0"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Keep installed plugins out of the results, and the data cache and any
    download inside a temporary folder and a closed local port."""
    monkeypatch.setenv("NCFKIT_DISABLE_PLUGINS", "1")
    monkeypatch.setenv("NCFKIT_DATA_DIR", str(tmp_path_factory.mktemp("data-dir")))
    # Port 9 (discard) on 127.0.0.1 normally has no listener, so a download that a
    # test did not mean to make fails at once instead of reaching the network.
    monkeypatch.setenv("NCFKIT_DOWNLOAD_URL", "http://127.0.0.1:9")


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    """The folder that contains the real ml-latest-small and its zip."""
    return _find_real_data(with_zip=True)


@pytest.fixture(scope="session")
def ml_latest_small() -> Path:
    """The real ml-latest-small folder."""
    return _find_real_data(with_zip=False) / "ml-latest-small"
