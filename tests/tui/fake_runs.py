"""Run folders with fixed contents, for screens that must render the same every time."""

from __future__ import annotations

import json
from pathlib import Path

from ncfkit.config import default_raw_config, resolve_config
from ncfkit.registry import Registry


def write_fake_run(
    runs_dir: Path,
    run_id: str,
    *,
    registry: Registry,
    status: str = "completed",
    dropout: float = 0.3,
    losses: list[tuple[float, float]] | None = None,
    test_rmse: float = 0.93,
) -> Path:
    """Write a run folder the way the engine lays it out, with made-up numbers."""
    losses = losses or [(0.1, 0.05), (0.05, 0.045), (0.04, 0.043), (0.035, 0.044)]
    folder = runs_dir / run_id
    (folder / "checkpoints").mkdir(parents=True)
    raw = default_raw_config()
    raw["head"] = {"name": "mlp", "dropout": dropout}
    raw["training"] = {"epochs": len(losses)}
    (folder / "config.toml").write_text(
        resolve_config(raw, registry).to_toml(), encoding="utf-8"
    )
    best = min(range(len(losses)), key=lambda i: losses[i][1]) + 1
    test = {"mse": (test_rmse / 5) ** 2, "rmse": test_rmse, "mae": test_rmse * 0.77}
    record = {
        "id": run_id,
        "created": "2025-01-02T03:04:05+00:00",
        "status": status,
        "dataset": "ml-latest-small",
        "head": "mlp",
        "plugins": [],
        "epochs": len(losses),
        "epochs_done": len(losses),
        "rating_max": 5.0,
        "best_epoch": best,
        "best_validation_loss": losses[best - 1][1],
        "metrics": test if status == "completed" else {},
        "error": None,
    }
    (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")
    lines = [
        json.dumps(
            {"epoch": i + 1, "train_loss": t, "validation_loss": v, "seconds": 1.5}
        )
        for i, (t, v) in enumerate(losses)
    ]
    (folder / "epochs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if status == "completed":
        validation = {k: v * 0.99 for k, v in test.items()}
        metrics = {"best_epoch": best, "validation": validation, "test": test}
        (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    for kind in ("best", "last"):
        (folder / "checkpoints" / f"{kind}.json").write_text("{}", encoding="utf-8")
    return folder
