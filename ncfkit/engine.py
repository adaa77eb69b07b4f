"""The run engine: one place where a config becomes a trained, evaluated run.

The CLI and the TUI both call `execute_run` or `resume_run` and watch the
lifecycle events; neither contains training code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import platform
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save as save_tensors

from ncfkit import __version__
from ncfkit.config import RunConfig, resolve_config
from ncfkit.errors import CheckpointError, NcfkitError, RunFailed, UsageError
from ncfkit.evaluation import Scorer, compute_metrics, evaluation_context
from ncfkit.events import (
    CheckpointSaved,
    EpochEnded,
    EpochProgress,
    RunFinished,
    RunStarted,
    RunStatus,
)
from ncfkit.models.building import build_head, load_head_weights
from ncfkit.pipeline import PreparedData, prepare_data
from ncfkit.registry import Registry
from ncfkit.runs.checkpoint import (
    Checkpoint,
    atomic_write_bytes,
    load_checkpoint,
    restore_optimizer,
    save_checkpoint,
)
from ncfkit.runs.recorder import RunRecorder
from ncfkit.runs.store import RunFolder
from ncfkit.training import (
    EpochResult,
    Trainer,
    TrainingData,
    TrainState,
    build_optimizer,
    resolve_device,
)

logger = logging.getLogger(__name__)
# Start, epoch and end lines for run.log. The CLI and TUI show the same facts from
# lifecycle events, so the CLI leaves this logger out of its stderr output.
run_logger = logging.getLogger("ncfkit.engine.run")

INTERACTIONS_FILE = "interactions.safetensors"
PACKAGES = (
    "torch",
    "numpy",
    "pandas",
    "scikit-learn",
    "scipy",
    "pluggy",
    "safetensors",
    "rich",
    "textual",
)


@dataclass(frozen=True)
class RunResult:
    run_id: str
    run_dir: Path
    status: RunStatus
    metrics: dict[str, float]  # test metrics of the best checkpoint
    summary: dict[str, Any]


def execute_run(
    config: RunConfig,
    *,
    registry: Registry,
    runs_dir: Path = Path("runs"),
    subscribers: Sequence[object] = (),
    stop: threading.Event | None = None,
    data_dir: Path | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> RunResult:
    """Prepare the data, train, evaluate on test, and record it all in a new
    run folder under `runs_dir`.

    Input problems raise UsageError before the folder is created. Setting `stop`
    ends training after the current batch with a checkpoint and status
    "interrupted". Failures during training mark the run "failed" and raise.
    """
    with _captured_log() as early_log:
        data = prepare_data(
            config, registry=registry, data_dir=data_dir, progress=progress
        )
        device = resolve_device(config.training.device)
        model = _build_model(config, data, registry=registry)
    run = RunFolder.create(
        runs_dir,
        head=config.head.name,
        record={
            "dataset": data.dataset.name,
            "head": config.head.name,
            "plugins": list(config.plugins),
            "epochs": config.training.epochs,
            "epochs_done": 0,
            "rating_max": data.rating_max,
            "summary": data.summary(),
        },
    )
    run.write_text("config.toml", config.to_toml())
    run.write_json("environment.json", _environment(config, data, device, registry))
    _write_interactions(run, data)
    session = _Session(
        run, config, data, model, device, registry=registry, state=TrainState()
    )
    return session.execute(subscribers=subscribers, stop=stop, early_log=early_log)


def resume_run(
    run_dir: Path,
    *,
    registry: Registry,
    subscribers: Sequence[object] = (),
    stop: threading.Event | None = None,
    data_dir: Path | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> RunResult:
    """Continue a run from its last checkpoint; the result equals an
    uninterrupted run of the same config."""
    if not run_dir.is_dir():
        raise UsageError(
            f"run folder not found: {run_dir}; 'ncfkit runs' lists the run folders"
        )
    if not (run_dir / "run.json").is_file():
        raise UsageError(
            f"not a run folder: {run_dir} has no run.json; pass a folder under runs/"
        )

    run = RunFolder.open(run_dir)
    if run.record.get("status") == "completed":
        raise UsageError(
            f"run {run.id} already completed; to train more, start a new run with "
            f"-c {run_dir / 'config.toml'} --set training.epochs=N"
        )

    checkpoint = load_checkpoint(run.checkpoints / "last.json")
    config = resolve_config(checkpoint.sidecar["config"], registry=registry)

    with _captured_log() as early_log:
        data = prepare_data(
            config, registry=registry, data_dir=data_dir, progress=progress
        )
        _check_same_data(checkpoint, data)
        data.features = checkpoint.section("features")
        device = resolve_device(config.training.device)
        model = _build_model(config, data, registry=registry)
        load_head_weights(
            model, checkpoint, fix="resume with the ncfkit and plugins the run used"
        )
        state = TrainState.from_json(checkpoint.sidecar["state"])
        logger.info(
            "resuming run %s after epoch %d, batch %d",
            run.id,
            state.epochs_done,
            state.batches_done,
        )
    run.truncate_epochs(state.epochs_done)
    session = _Session(run, config, data, model, device, registry=registry, state=state)
    session.restore(checkpoint)
    return session.execute(subscribers=subscribers, stop=stop, early_log=early_log)


def _build_model(
    config: RunConfig, data: PreparedData, *, registry: Registry
) -> torch.nn.Module:
    if config.training.threads:
        torch.set_num_threads(config.training.threads)
    torch.manual_seed(config.training.seed)
    return build_head(
        config.head, registry=registry, shape=data.shape, features=data.features
    )


def _check_same_data(checkpoint: Checkpoint, data: PreparedData) -> None:
    saved = checkpoint.sidecar.get("id_map", {})
    same_users = np.array_equal(saved.get("user_ids", []), data.id_map.user_ids)
    same_items = np.array_equal(saved.get("item_ids", []), data.id_map.item_ids)
    saved_sums = checkpoint.sidecar.get("dataset", {}).get("checksums", {})
    same_files = all(
        data.dataset.checksums.get(name, digest) == digest
        for name, digest in saved_sums.items()
    )
    if same_users and same_items and same_files:
        return
    differences = [
        label
        for label, same in (
            ("users", same_users),
            ("movies", same_items),
            ("file checksums", same_files),
        )
        if not same
    ]
    saved_path = checkpoint.sidecar.get("dataset", {}).get("path", "?")
    raise CheckpointError(
        f"checkpoint {checkpoint.path} was trained on different data: the "
        f"{' and '.join(differences)} of {data.dataset.path} differ from those of "
        f"{saved_path} when the run started; resume with the files the run used, "
        "or start a new run"
    )


class _Session:
    """One training session of a run: a new run, or a resumption."""

    def __init__(
        self,
        run: RunFolder,
        config: RunConfig,
        data: PreparedData,
        model: torch.nn.Module,
        device: torch.device,
        *,
        registry: Registry,
        state: TrainState,
    ) -> None:
        self.run = run
        self.config = config
        self.data = data
        self.model = model.to(device)
        self.device = device
        self.registry = registry
        self.state = state
        self.optimizer = build_optimizer(
            self.model, settings=config.training, device=device
        )

    def restore(self, checkpoint: Checkpoint) -> None:
        restore_optimizer(self.optimizer, checkpoint)
        torch.set_rng_state(checkpoint.tensors["rng.torch"])

    def emit(self, hook_name: str, event: object) -> None:
        self.registry.emit(hook_name, event, active=self.config.plugins)

    def execute(
        self,
        *,
        subscribers: Sequence[object],
        stop: threading.Event | None,
        early_log: list[logging.LogRecord],
    ) -> RunResult:
        stop = stop or threading.Event()
        with (
            self.registry.subscribed(RunRecorder(self.run), *subscribers),
            _run_log(self.run.path / "run.log", early_log),
        ):
            self.run.update(status="running", error=None)
            started = self._started_event()
            run_logger.info(
                "run %s on %s from epoch %d of %d: %d users, %d items, split %s",
                started.run_id,
                started.device,
                started.start_epoch,
                started.epochs,
                started.n_users,
                started.n_items,
                started.split_sizes,
            )
            self.emit("on_run_started", started)
            try:
                finished = self._train(stop)
                if not finished:
                    return self._interrupted()
                return self._evaluate()
            except KeyboardInterrupt:
                self._finish("interrupted", error="stopped by a second interrupt")
                raise
            except NcfkitError as error:
                self._finish("failed", error=str(error))
                error.run_dir = self.run.path
                raise
            except Exception as error:  # a plugin or head bug; keep the run's record
                run_logger.exception("run %s failed", self.run.id)
                message = (
                    f"run failed: {type(error).__name__}: {error} "
                    f"(traceback in {self.run.path / 'run.log'})"
                )
                self._finish("failed", error=message)
                failure = RunFailed(message)
                failure.run_dir = self.run.path
                raise failure from error

    def _started_event(self) -> RunStarted:
        return RunStarted(
            run_id=self.run.id,
            run_dir=self.run.path,
            config=self.config,
            n_users=self.data.id_map.n_users,
            n_items=self.data.id_map.n_items,
            n_ratings=len(self.data.ratings),
            split_sizes=self.data.summary()["split"],
            epochs=self.config.training.epochs,
            start_epoch=self.state.epochs_done + 1,
            device=str(self.device),
        )

    def _train(self, stop: threading.Event) -> bool:
        trainer = Trainer(
            self.model,
            self.optimizer,
            settings=self.config.training,
            device=self.device,
            stop=stop,
            on_batch=self._on_batch,
            on_epoch=self._on_epoch,
        )
        return trainer.fit(_training_tensors(self.data), self.state)

    def _on_batch(self, epoch: int, batch: int, n_batches: int) -> None:
        self.emit(
            "on_epoch_progress", EpochProgress(self.run.id, epoch, batch, n_batches)
        )

    def _on_epoch(self, result: EpochResult, state: TrainState) -> None:
        saved = [self._save("last")]
        if result.is_best:
            saved.append(self._save("best"))
        run_logger.info(
            "epoch %d/%d: train loss %.4f, validation loss %.4f, %.1fs%s",
            result.epoch,
            self.config.training.epochs,
            result.train_loss,
            result.validation_loss,
            result.seconds,
            " (best)" if result.is_best else "",
        )
        self.emit(
            "on_epoch_ended",
            EpochEnded(
                run_id=self.run.id,
                epoch=result.epoch,
                epochs=self.config.training.epochs,
                train_loss=result.train_loss,
                validation_loss=result.validation_loss,
                seconds=result.seconds,
                is_best=result.is_best,
            ),
        )
        for kind, path in saved:
            self.emit(
                "on_checkpoint_saved",
                CheckpointSaved(self.run.id, path, kind, result.epoch),  # type: ignore[arg-type]
            )

    def _save(self, kind: str) -> tuple[str, Path]:
        path = save_checkpoint(
            self.run.checkpoints,
            kind,
            model=self.model,
            optimizer=self.optimizer,
            features=self.data.features,
            sidecar=self._sidecar(),
        )
        return kind, path

    def _sidecar(self) -> dict[str, Any]:
        return {
            "ncfkit_version": __version__,
            "epoch": self.state.epochs_done,
            "state": self.state.to_json(),
            "config": self.config.to_raw(),
            "head": self.config.head.name,
            "plugins": list(self.config.plugins),
            "shape": dataclasses.asdict(self.data.shape),
            "rating_range": [self.data.rating_min, self.data.rating_max],
            "id_map": {
                "user_ids": self.data.id_map.user_ids.tolist(),
                "item_ids": self.data.id_map.item_ids.tolist(),
            },
            "dataset": {
                "name": self.data.dataset.name,
                "path": str(self.data.dataset.path),
                "checksums": self.data.dataset.checksums,
            },
        }

    def _interrupted(self) -> RunResult:
        _, path = self._save("last")
        self.emit(
            "on_checkpoint_saved",
            CheckpointSaved(self.run.id, path, "last", self.state.epochs_done),
        )
        logger.info(
            "run %s interrupted after epoch %d, batch %d; resume with "
            "'ncfkit run --resume %s'",
            self.run.id,
            self.state.epochs_done,
            self.state.batches_done,
            self.run.path,
        )
        self._finish("interrupted")
        return self._result("interrupted", {})

    def _evaluate(self) -> RunResult:
        best = load_checkpoint(self.run.checkpoints / "best.json")
        self.model.load_state_dict(best.section("model"))
        scorer = Scorer(
            self.model,
            n_items=self.data.id_map.n_items,
            rating_min=self.data.rating_min,
            rating_max=self.data.rating_max,
        )
        results: dict[str, Any] = {"best_epoch": self.state.best_epoch}
        for part in ("validation", "test"):
            context = evaluation_context(
                self.data, scorer, part=part, seed=self.config.training.seed
            )
            results[part] = compute_metrics(
                context, self.config.metrics, registry=self.registry
            )
        self.run.write_json("metrics.json", results)
        logger.info(
            "test metrics of epoch %d: %s",
            self.state.best_epoch,
            ", ".join(f"{k} {v:.4f}" for k, v in results["test"].items()),
        )
        self._finish("completed", metrics=results["test"])
        return self._result("completed", results["test"])

    def _finish(
        self,
        status: RunStatus,
        *,
        metrics: dict[str, float] | None = None,
        error: str | None = None,
    ) -> None:
        self.run.update(status=status, metrics=metrics or {}, error=error)
        if status == "failed":
            run_logger.error("run %s failed: %s", self.run.id, error)
        elif error is not None:
            run_logger.warning("run %s %s: %s", self.run.id, status, error)
        else:
            run_logger.info("run %s %s", self.run.id, status)
        self.emit(
            "on_run_finished",
            RunFinished(self.run.id, self.run.path, status, metrics or {}, error),
        )

    def _result(self, status: RunStatus, metrics: dict[str, float]) -> RunResult:
        return RunResult(
            run_id=self.run.id,
            run_dir=self.run.path,
            status=status,
            metrics=metrics,
            summary=self.data.summary(),
        )


def _write_interactions(run: RunFolder, data: PreparedData) -> None:
    """Save the train and validation (user, item) indices once per run, so that
    recommendations can leave out what a user already rated."""
    tensors = {}
    for part in ("train", "validation"):
        rows = data.part(part)
        for column in ("user_index", "item_index"):
            tensors[f"{part}.{column}"] = torch.tensor(
                rows[column].to_numpy(), dtype=torch.int64
            )
    atomic_write_bytes(run.path / INTERACTIONS_FILE, save_tensors(tensors))


def _training_tensors(data: PreparedData) -> TrainingData:
    def tensors(part: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        rows = data.part(part)
        return (
            torch.tensor(rows["user_index"].to_numpy(), dtype=torch.long),
            torch.tensor(rows["item_index"].to_numpy(), dtype=torch.long),
            torch.tensor(
                rows["rating"].to_numpy() / data.rating_max, dtype=torch.float32
            ),
        )

    return TrainingData(*tensors("train"), *tensors("validation"))


def _environment(
    config: RunConfig, data: PreparedData, device: torch.device, registry: Registry
) -> dict[str, Any]:
    packages = {"ncfkit": __version__}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": packages,
        "plugins": {
            p.name: {"distribution": p.distribution, "version": p.version}
            for p in registry.third_party()
            if p.name in config.plugins
        },
        "device": str(device),
        "torch_threads": torch.get_num_threads(),
        "dataset": {
            "name": data.dataset.name,
            "path": str(data.dataset.path),
            "layout": data.dataset.layout,
            "checksums": data.dataset.checksums,
        },
    }


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def _attached(handler: logging.Handler) -> Iterator[None]:
    """Attach `handler` to the ncfkit logger, which logs at INFO meanwhile."""
    package_logger = logging.getLogger("ncfkit")
    package_logger.addHandler(handler)
    previous_level = package_logger.level
    if package_logger.getEffectiveLevel() > logging.INFO:
        package_logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        package_logger.removeHandler(handler)
        package_logger.setLevel(previous_level)


@contextlib.contextmanager
def _captured_log() -> Iterator[list[logging.LogRecord]]:
    """Collect ncfkit's log records from before the run folder exists."""
    handler = _ListHandler()
    with _attached(handler):
        yield handler.records


@contextlib.contextmanager
def _run_log(path: Path, early: list[logging.LogRecord]) -> Iterator[None]:
    """Write ncfkit's log to the run's run.log, starting with `early` records."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    for record in early:
        handler.handle(record)
    try:
        with _attached(handler):
            yield
    finally:
        handler.close()
