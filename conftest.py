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


def _candidate_folders() -> list[Path]:
    folders = [os.environ.get("NCFKIT_TEST_DATASETS", "")]
    folders.append(str(REPO_ROOT.parent / "shared" / "datasets"))
    folders.append(os.environ.get("NCFKIT_DATA_DIR", ""))
    return [Path(folder).expanduser() for folder in folders if folder]


def _find_real_data(*, with_zip: bool) -> Path:
    for folder in _candidate_folders():
        has_folder = (folder / "ml-latest-small" / "ratings.csv").is_file()
        has_zip = (folder / "ml-latest-small.zip").is_file()
        if has_folder and (has_zip or not with_zip):
            return folder
    looked = ", ".join(str(f) for f in _candidate_folders())
    wanted = (
        "ml-latest-small/ and ml-latest-small.zip" if with_zip else "ml-latest-small/"
    )
    message = (
        f"real data missing: none of {looked} contains {wanted}; set "
        "NCFKIT_TEST_DATASETS to the folder that does"
    )
    if os.environ.get(REQUIRE_REAL_DATA_ENV, "") not in ("", "0"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _no_entry_point_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep whatever plugins are installed on the machine out of the results."""
    monkeypatch.setenv("NCFKIT_DISABLE_PLUGINS", "1")


@pytest.fixture
def datasets_dir() -> Path:
    """The folder that contains the real ml-latest-small and its zip."""
    return _find_real_data(with_zip=True)


@pytest.fixture
def ml_latest_small() -> Path:
    """The real ml-latest-small folder."""
    return _find_real_data(with_zip=False) / "ml-latest-small"
