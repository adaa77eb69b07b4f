"""A run trained once per module on generated data, for the recommend tests."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from ncfkit.engine import execute_run
from ncfkit.pipeline import PreparedData, prepare_data
from ncfkit.registry import Registry, load_registry
from tests.conftest import write_movielens_csv
from tests.core.engine_helpers import small_config


@dataclass(frozen=True)
class TrainedRun:
    run_dir: Path
    data_dir: Path
    data: PreparedData  # the run's ratings, prepared again from the CSV files
    registry: Registry

    def copy(self, destination: Path) -> Path:
        """Copy the run folder, for tests that damage it."""
        return Path(shutil.copytree(self.run_dir, destination / self.run_dir.name))


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> TrainedRun:
    root = tmp_path_factory.mktemp("recommend")
    data_dir = write_movielens_csv(root / "small-movielens")
    registry = load_registry(entry_points=False)
    config = small_config(registry, data_dir)
    result = execute_run(config, registry=registry, runs_dir=root / "runs")
    data = prepare_data(config, registry=registry)
    return TrainedRun(result.run_dir, data_dir, data, registry)
