"""A plugin package installed with pip is listed and used, with nothing changed
in ncfkit; uninstalling it removes it again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent

import numpy as np
import pandas as pd
import pytest

PYPROJECT = """
    [build-system]
    requires = ["setuptools>=68"]
    build-backend = "setuptools.build_meta"

    [project]
    name = "{dist}"
    version = "0.4.2"
    dependencies = ["ncfkit"]

    [project.entry-points.ncfkit]
    {plugin} = "{module}"
"""
MODULE = """
    from dataclasses import dataclass

    import numpy as np
    from ncfkit.components import Component
    from ncfkit.hookspecs import hookimpl
    from ncfkit.params import param


    @dataclass(frozen=True)
    class WithinParams:
        stars: float = param(0.5, "largest error in stars that counts as a hit")


    def build(params):
        def within(context):
            hits = np.abs(context.predicted - context.actual) <= params.stars
            return {{"{metric}": float(np.mean(hits))}}

        return within


    @hookimpl
    def register_metrics():
        return [Component("{metric}", "Share within half a star", build, WithinParams)]
"""


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _ncfkit(*args: str) -> subprocess.CompletedProcess[str]:
    # Without NCFKIT_DISABLE_PLUGINS, so that entry points are loaded as for a user.
    env = {k: v for k, v in os.environ.items() if k != "NCFKIT_DISABLE_PLUGINS"}
    return subprocess.run(
        [str(Path(sys.executable).with_name("ncfkit")), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def throwaway(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Build and pip-install a one-metric plugin package; uninstall it afterwards.

    The names carry a random token, so concurrent test runs never share a plugin.
    """
    token = uuid.uuid4().hex[:8]
    names = {
        "dist": f"ncfkit-throwaway-{token}",
        "plugin": f"throwaway-{token}",
        "module": f"ncfkit_throwaway_{token}",
        "metric": f"within-half-{token}",
    }
    package = tmp_path / "package"
    package.mkdir()
    (package / "pyproject.toml").write_text(dedent(PYPROJECT.format(**names)))
    (package / f"{names['module']}.py").write_text(dedent(MODULE.format(**names)))

    installed = _pip(
        "install", "--no-deps", "--no-build-isolation", "--no-index", str(package)
    )
    assert installed.returncode == 0, installed.stderr
    try:
        yield names
    finally:
        _pip("uninstall", "--yes", names["dist"])


@pytest.fixture
def small_movielens(tmp_path: Path) -> Path:
    """A CSV-layout folder where 30 users rate 20 of 24 movies each."""
    rng = np.random.default_rng(7)
    rows = []
    for user in range(1, 31):
        for item in rng.choice(np.arange(1, 25), size=20, replace=False):
            rows.append(
                (user, int(item), rng.integers(1, 11) / 2, 1_000_000 + len(rows))
            )
    folder = tmp_path / "small"
    folder.mkdir()
    ratings = pd.DataFrame(rows, columns=["userId", "movieId", "rating", "timestamp"])
    ratings.to_csv(folder / "ratings.csv", index=False)
    movies = pd.DataFrame(
        {
            "movieId": range(1, 25),
            "title": [f"Movie {i} (2000)" for i in range(1, 25)],
            "genres": ["Drama|Comedy"] * 24,
        }
    )
    movies.to_csv(folder / "movies.csv", index=False)
    return folder


def test_installed_plugin_listed_and_used(
    throwaway: dict[str, str], small_movielens: Path, tmp_path: Path
) -> None:
    listing = _ncfkit("plugins", "--json")
    assert listing.returncode == 0, listing.stderr
    plugins = {p["name"]: p for p in json.loads(listing.stdout)}
    plugin = plugins[throwaway["plugin"]]
    assert plugin["distribution"] == throwaway["dist"]
    assert plugin["version"] == "0.4.2"
    assert plugin["loaded"] is True
    assert plugin["components"] == {"metric": [throwaway["metric"]]}

    run = _ncfkit(
        "run",
        "--plugin",
        throwaway["plugin"],
        "--data",
        str(small_movielens),
        "--epochs",
        "2",
        "--device",
        "cpu",
        "--runs-dir",
        str(tmp_path / "runs"),
        "--json",
    )
    assert run.returncode == 0, run.stderr
    metrics = json.loads(run.stdout)["metrics"]
    assert 0.0 <= metrics[throwaway["metric"]] <= 1.0
    assert "rmse" in metrics

    uninstalled = _pip("uninstall", "--yes", throwaway["dist"])
    assert uninstalled.returncode == 0, uninstalled.stderr
    after_uninstall = _ncfkit(
        "run", "--plugin", throwaway["plugin"], "--data", str(small_movielens)
    )
    assert after_uninstall.returncode == 2
    assert f"unknown plugin {throwaway['plugin']!r}" in after_uninstall.stderr
