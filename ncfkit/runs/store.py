"""Run folders: what a run writes under `runs/<id>/` and how past runs are read.

Layout of a run folder:

    config.toml         the resolved config; `ncfkit run -c` reruns it
    run.json            id, created, status, dataset, head, epochs, best epoch and
                        losses, test metrics, error (rewritten atomically)
    epochs.jsonl        one JSON object per finished epoch, appended as it ends
    metrics.json        validation and test metrics of the best checkpoint
    environment.json    package versions, device, dataset checksums
    run.log             the run's log
    checkpoints/        last.json + last-*.safetensors, best.json + best-*.safetensors
"""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ncfkit.events import RunStatus
from ncfkit.runs.checkpoint import atomic_write_text

RUN_FILE = "run.json"
EPOCHS_FILE = "epochs.jsonl"
CHECKPOINTS = "checkpoints"


@dataclass
class RunFolder:
    """A run's folder and its `run.json` record."""

    path: Path
    record: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, runs_dir: Path, *, head: str, record: dict[str, Any]) -> RunFolder:
        """Create a new, uniquely named run folder and write its first record."""
        runs_dir.mkdir(parents=True, exist_ok=True)
        created = datetime.now(UTC)
        stem = f"{created:%Y%m%d-%H%M%S}-{head}"
        while True:
            path = runs_dir / f"{stem}-{secrets.token_hex(2)}"
            try:
                path.mkdir()
                break
            except FileExistsError:
                continue
        (path / CHECKPOINTS).mkdir()
        run = cls(path, {"id": path.name, "created": created.isoformat(), **record})
        run.update(status="running")
        return run

    @classmethod
    def open(cls, path: Path) -> RunFolder:
        record_path = path / RUN_FILE
        record = json.loads(record_path.read_text(encoding="utf-8"))
        return cls(path, record)

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def checkpoints(self) -> Path:
        return self.path / CHECKPOINTS

    def update(self, **values: Any) -> None:
        """Merge `values` into run.json and rewrite it atomically."""
        self.record.update(values)
        atomic_write_text(self.path / RUN_FILE, _dumps(self.record))

    def write_json(self, name: str, document: Any) -> None:
        atomic_write_text(self.path / name, _dumps(document))

    def write_text(self, name: str, text: str) -> None:
        atomic_write_text(self.path / name, text)

    def append_epoch(self, record: dict[str, Any]) -> None:
        """Append one epoch record to epochs.jsonl and flush it to disk."""
        with open(self.path / EPOCHS_FILE, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(_finite(record)) + "\n")
            handle.flush()

    def truncate_epochs(self, epochs_done: int) -> None:
        """Drop epoch records after `epochs_done`, before a resumed run rewrites them."""
        kept = [e for e in read_epochs(self.path) if e.get("epoch", 0) <= epochs_done]
        atomic_write_text(
            self.path / EPOCHS_FILE, "".join(json.dumps(e) + "\n" for e in kept)
        )


@dataclass(frozen=True)
class RunSummary:
    """One row of the runs table."""

    id: str
    path: Path
    created: str
    dataset: str
    head: str
    epochs_done: int
    epochs: int
    status: RunStatus | str
    best_validation_rmse: float | None
    test_rmse: float | None


def read_epochs(run_dir: Path) -> list[dict[str, Any]]:
    """Return the epoch records of a run; a torn last line is ignored."""
    path = run_dir / EPOCHS_FILE
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def read_run(run_dir: Path) -> dict[str, Any]:
    """Return a run's record, config text, epochs and metrics as plain data."""
    record = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))
    metrics_path = run_dir / "metrics.json"
    config_path = run_dir / "config.toml"
    return {
        "record": record,
        "config_toml": config_path.read_text(encoding="utf-8")
        if config_path.is_file()
        else "",
        "epochs": read_epochs(run_dir),
        "metrics": json.loads(metrics_path.read_text(encoding="utf-8"))
        if metrics_path.is_file()
        else {},
    }


def list_runs(runs_dir: Path) -> list[RunSummary]:
    """Return the runs under `runs_dir`, newest first.

    Folders without run.json are skipped; one whose run.json is unreadable is
    listed with that status.
    """
    if not runs_dir.is_dir():
        return []
    summaries = []
    for path in runs_dir.iterdir():
        if not path.is_dir():
            continue
        try:
            record = json.loads((path / RUN_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            # A run folder whose record cannot be read is listed, not hidden.
            record = {"status": "unreadable run.json"}
        if not isinstance(record, dict):
            record = {"status": "unreadable run.json"}
        summaries.append(_summary(path, record))
    summaries.sort(key=lambda s: s.created, reverse=True)
    return summaries


def _summary(path: Path, record: dict[str, Any]) -> RunSummary:
    best_loss = record.get("best_validation_loss")
    rating_max = record.get("rating_max", 5.0)
    return RunSummary(
        # The folder name, not the recorded id, is what -c and --resume take.
        id=path.name,
        path=path,
        created=record.get("created", ""),
        dataset=record.get("dataset", ""),
        head=record.get("head", ""),
        epochs_done=record.get("epochs_done", 0),
        epochs=record.get("epochs", 0),
        status=record.get("status", "unknown"),
        # The validation loss is MSE on the [0, 1] scale, so RMSE in stars is
        # sqrt(loss) * rating_max.
        best_validation_rmse=math.sqrt(best_loss) * rating_max
        if best_loss is not None
        else None,
        test_rmse=(record.get("metrics") or {}).get("rmse"),
    )


def _finite(document: Any) -> Any:
    """Replace NaN and infinities, which JSON cannot hold, by None."""
    if isinstance(document, float) and not math.isfinite(document):
        return None
    if isinstance(document, dict):
        return {k: _finite(v) for k, v in document.items()}
    if isinstance(document, list):
        return [_finite(v) for v in document]
    return document


def _dumps(document: Any) -> str:
    return json.dumps(_finite(document), indent=2, default=str) + "\n"
