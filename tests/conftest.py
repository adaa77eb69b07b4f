"""Shared fixtures: an isolated plugin environment and the real MovieLens data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# The real ml-latest-small, kept beside the checkout; NCFKIT_TEST_DATASETS overrides.
SHARED_DATASETS = Path(
    os.environ.get("NCFKIT_TEST_DATASETS", REPO_ROOT.parent / "shared" / "datasets")
)


@pytest.fixture(autouse=True)
def _no_entry_point_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep whatever plugins are installed on the machine out of the results."""
    monkeypatch.setenv("NCFKIT_DISABLE_PLUGINS", "1")


@pytest.fixture
def datasets_dir() -> Path:
    """The folder that holds the real ml-latest-small and its zip."""
    folder = SHARED_DATASETS / "ml-latest-small"
    assert (folder / "ratings.csv").is_file(), f"real data missing at {folder}"
    return SHARED_DATASETS


@pytest.fixture
def ml_latest_small(datasets_dir: Path) -> Path:
    return datasets_dir / "ml-latest-small"
