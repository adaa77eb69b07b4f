"""The reference notebook's experiment, end to end on the real ml-latest-small."""

from ncfkit.config import apply_overrides, default_raw_config, resolve_config
from ncfkit.engine import execute_run
from ncfkit.registry import load_registry


def test_reference_experiment_on_ml_latest_small(ml_latest_small, tmp_path):
    registry = load_registry(entry_points=False)
    raw = apply_overrides(default_raw_config(), [f"data={ml_latest_small}"])
    config = resolve_config(raw, registry)
    assert config.training.epochs == 10

    result = execute_run(config, registry=registry, runs_dir=tmp_path)

    summary = result.summary
    assert summary["n_users"] == 610
    assert summary["n_items"] == 2269
    assert summary["split"] == {"train": 56505, "validation": 12164, "test": 12447}
    # The notebook reports 0.9358 stars after 10 epochs.
    assert 0.90 <= result.metrics["rmse"] <= 0.96
