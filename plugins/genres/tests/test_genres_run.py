"""The genres head end to end on the real ml-latest-small, and its checkpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from ncfkit.components import ModelShape
from ncfkit.config import default_raw_config, resolve_config
from ncfkit.engine import RunResult, execute_run
from ncfkit.registry import load_registry
from ncfkit.runs.checkpoint import load_checkpoint

import ncfkit_genres

# Run in a fresh interpreter: rebuild the head from the checkpoint alone and print
# its predictions for the first rows of the saved item order.
PREDICT = """
import json, sys
import torch
from ncfkit.components import ModelShape
from ncfkit.config import resolve_config
from ncfkit.registry import load_registry
from ncfkit.runs.checkpoint import load_checkpoint

checkpoint = load_checkpoint(__import__("pathlib").Path(sys.argv[1]))
registry = load_registry()
config = resolve_config(checkpoint.sidecar["config"], registry=registry)
head = registry.get("head", config.head.name).component
model = head.factory(
    config.head.params,
    shape=ModelShape(**checkpoint.sidecar["shape"]),
    features=checkpoint.section("features"),
)
model.load_state_dict(checkpoint.section("model"))
model.eval()
with torch.no_grad():
    prediction = model(torch.arange(5), torch.arange(5))
print(json.dumps(prediction.tolist()))
"""


@pytest.fixture(scope="module")
def genres_run(
    ml_latest_small: Path, tmp_path_factory: pytest.TempPathFactory
) -> RunResult:
    data = ml_latest_small
    registry = load_registry(entry_points=False)
    assert registry.add_plugin(ncfkit_genres, "genres").error is None
    raw = default_raw_config()
    raw.update(plugins=["genres"], data=str(data))
    raw["training"] = {"epochs": 3, "device": "cpu"}
    config = resolve_config(raw, registry=registry)
    runs = tmp_path_factory.mktemp("runs")
    return execute_run(config, registry=registry, runs_dir=runs)


def _predict_in_fresh_process(
    sidecar: Path, *, plugins: bool, cwd: Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NCFKIT_DISABLE_PLUGINS"}
    if not plugins:
        env["NCFKIT_DISABLE_PLUGINS"] = "1"
    # No data directory: the checkpoint must be enough.
    env["NCFKIT_DATA_DIR"] = str(cwd / "no-data")
    return subprocess.run(
        [sys.executable, "-c", PREDICT, str(sidecar)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_genres_run_on_real_data(genres_run: RunResult) -> None:
    assert genres_run.status == "completed"
    assert genres_run.summary["n_items"] == 2269
    # The reference mlp scored about 1.0 stars after two epochs; far above that
    # after three means the genre input broke training.
    assert genres_run.metrics["rmse"] < 1.05
    record = json.loads((genres_run.run_dir / "run.json").read_text())
    assert record["head"] == "genres"
    assert record["plugins"] == ["genres"]


def test_checkpoint_holds_genre_features(genres_run: RunResult) -> None:
    checkpoint = load_checkpoint(genres_run.run_dir / "checkpoints" / "best.json")
    features = checkpoint.section("features")
    assert set(features) == {"genres.index", "genres.offsets", "genres.count"}
    assert features["genres.offsets"].shape == (2269,)
    assert int(features["genres.count"][0]) == 19


def test_checkpoint_predicts_in_fresh_process(
    genres_run: RunResult, tmp_path: Path
) -> None:
    sidecar = genres_run.run_dir / "checkpoints" / "best.json"
    result = _predict_in_fresh_process(sidecar, plugins=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    fresh = torch.tensor(json.loads(result.stdout))

    registry = load_registry(entry_points=False)
    registry.add_plugin(ncfkit_genres, "genres")
    checkpoint = load_checkpoint(sidecar)
    config = resolve_config(checkpoint.sidecar["config"], registry=registry)
    model = ncfkit_genres.head.build(
        config.head.params,
        shape=ModelShape(**checkpoint.sidecar["shape"]),
        features=checkpoint.section("features"),
    )
    model.load_state_dict(checkpoint.section("model"))
    with torch.no_grad():
        in_process = model.eval()(torch.arange(5), torch.arange(5))
    torch.testing.assert_close(fresh, in_process)


def test_checkpoint_without_plugin_names_it(
    genres_run: RunResult, tmp_path: Path
) -> None:
    sidecar = genres_run.run_dir / "checkpoints" / "best.json"
    result = _predict_in_fresh_process(sidecar, plugins=False, cwd=tmp_path)
    assert result.returncode != 0
    assert "unknown plugin 'genres'" in result.stderr
    assert "see 'ncfkit plugins'" in result.stderr


def test_rerun_without_plugin_names_it(genres_run: RunResult, tmp_path: Path) -> None:
    env = {**os.environ, "NCFKIT_DISABLE_PLUGINS": "1"}
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("ncfkit")),
            "run",
            "-c",
            str(genres_run.run_dir / "config.toml"),
            "--runs-dir",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown plugin 'genres'" in result.stderr
    assert list(tmp_path.iterdir()) == []


def _predict_command(
    run_dir: Path, *, plugins: bool, cwd: Path
) -> subprocess.CompletedProcess[str]:
    checkpoint = load_checkpoint(run_dir / "checkpoints" / "best.json")
    user = checkpoint.sidecar["id_map"]["user_ids"][0]
    movie = checkpoint.sidecar["id_map"]["item_ids"][0]
    env = {k: v for k, v in os.environ.items() if k != "NCFKIT_DISABLE_PLUGINS"}
    if not plugins:
        env["NCFKIT_DISABLE_PLUGINS"] = "1"
    env["NCFKIT_DATA_DIR"] = str(cwd / "no-data")
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("ncfkit")),
            "predict",
            str(run_dir),
            "--user",
            str(user),
            "--movie",
            str(movie),
            "--json",
        ],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_predict_command_uses_installed_plugin(
    genres_run: RunResult, tmp_path: Path
) -> None:
    # Needs the genres plugin installed, as `pip install -e plugins/genres` does.
    result = _predict_command(genres_run.run_dir, plugins=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    prediction = json.loads(result.stdout)
    assert 0.5 <= prediction["predicted"] <= 5.0


def test_predict_command_without_plugin_names_it(
    genres_run: RunResult, tmp_path: Path
) -> None:
    result = _predict_command(genres_run.run_dir, plugins=False, cwd=tmp_path)
    assert result.returncode == 2
    assert "plugin 'genres'" in result.stderr
    assert "NCFKIT_DISABLE_PLUGINS" in result.stderr
