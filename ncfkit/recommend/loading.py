"""Rebuild a run's trained head from its run folder alone."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from ncfkit.components import IdMap, ModelShape
from ncfkit.config import resolve_config
from ncfkit.engine import INTERACTIONS_FILE
from ncfkit.errors import CheckpointError, ConfigError, UsageError
from ncfkit.models.building import build_head, load_head_weights
from ncfkit.recommend.catalog import Catalog, read_catalog
from ncfkit.recommend.trained import TrainedModel
from ncfkit.registry import DISABLE_PLUGINS_ENV, Registry, load_registry
from ncfkit.runs.checkpoint import Checkpoint, load_checkpoint
from ncfkit.runs.store import CHECKPOINTS, RUN_FILE
from ncfkit.training import resolve_device

logger = logging.getLogger(__name__)

CHECKPOINT_KINDS = ("best", "last")


def load(
    run_dir: str | Path,
    *,
    checkpoint: str = "best",
    device: str = "cpu",
    titles: bool = True,
    registry: Registry | None = None,
) -> TrainedModel:
    """Load a run's checkpoint for predictions and recommendations.

    `checkpoint` is "best" (lowest validation loss, the one evaluated on test) or
    "last". The head is rebuilt through the registry from the checkpoint's config,
    so the plugins it came from must be installed. With `titles`, titles and
    genres are read from the dataset folder the run used, when it still exists.
    Every problem with the folder raises a UsageError that names it.
    """
    run_dir = Path(run_dir)
    _check_run_folder(run_dir)
    if checkpoint not in CHECKPOINT_KINDS:
        raise UsageError(
            f"unknown checkpoint {checkpoint!r}: use one of {', '.join(CHECKPOINT_KINDS)}"
        )
    saved = load_checkpoint(_sidecar_path(run_dir, checkpoint))
    plugins = saved.sidecar.get("plugins", [])
    if registry is None:
        # Importing every installed plugin can take seconds (scikit-learn for
        # tags), and a run without plugins needs none of them.
        # NOTE: a dataset read by a plugin's reader then shows no titles.
        registry = load_registry(entry_points=None if plugins else False)
    _check_plugins(run_dir, plugins, registry)

    model = _rebuild_head(saved, registry=registry).to(resolve_device(device))
    id_map = _id_map(saved)
    rating_min, rating_max = (float(r) for r in saved.sidecar["rating_range"])
    seen = _seen_matrix(run_dir, id_map)
    catalog = (
        read_catalog(saved.sidecar.get("dataset", {}), registry=registry)
        if titles
        else Catalog.unavailable("titles not loaded: load the run with titles=True")
    )
    logger.info(
        "loaded run %s, %s checkpoint of epoch %s: %d users, %d movies",
        run_dir.name,
        checkpoint,
        saved.sidecar.get("epoch"),
        id_map.n_users,
        id_map.n_items,
    )
    return TrainedModel(
        model,
        id_map=id_map,
        seen=seen,
        rating_min=rating_min,
        rating_max=rating_max,
        catalog=catalog,
        run_dir=run_dir,
        checkpoint=checkpoint,
        epoch=int(saved.sidecar.get("epoch", 0)),
        head=str(saved.sidecar.get("head", "")),
    )


def _check_run_folder(run_dir: Path) -> None:
    if not run_dir.is_dir():
        raise UsageError(
            f"run folder not found: {run_dir}; pass a folder under runs/ "
            "(see 'ncfkit runs')"
        )
    if not (run_dir / RUN_FILE).is_file():
        raise UsageError(
            f"not a run folder: {run_dir} has no {RUN_FILE}; pass a folder under "
            "runs/ (see 'ncfkit runs')"
        )


def _sidecar_path(run_dir: Path, checkpoint: str) -> Path:
    path = run_dir / CHECKPOINTS / f"{checkpoint}.json"
    if path.is_file():
        return path
    others = [
        kind
        for kind in CHECKPOINT_KINDS
        if kind != checkpoint and (run_dir / CHECKPOINTS / f"{kind}.json").is_file()
    ]
    fix = (
        f"use the {others[0]} checkpoint (--checkpoint {others[0]})"
        if others
        else "the run stopped before it saved any checkpoint "
        f"({_run_status(run_dir)}); start a new run"
    )
    raise CheckpointError(
        f"run {run_dir.name} has no {checkpoint} checkpoint ({path} is missing): {fix}"
    )


def _run_status(run_dir: Path) -> str:
    """Return the run's status, with its error when it failed, for a message."""
    try:
        record = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "status unknown"
    status = str(record.get("status", "unknown"))
    error = record.get("error")
    return f"{status}: {error}" if error else status


def _check_plugins(run_dir: Path, plugins: list[str], registry: Registry) -> None:
    """Raise ConfigError naming each plugin of the run that cannot be used."""
    for name in plugins:
        info = registry.plugins.get(name)
        if info is not None and info.error is not None:
            raise ConfigError(
                f"plugin {name!r}, which run {run_dir.name} was trained with, failed "
                f"to load: {info.error}"
            )
        if info is not None and not info.builtin:
            continue
        distribution = _plugin_distribution(run_dir, name)
        disabled = os.environ.get(DISABLE_PLUGINS_ENV, "") not in ("", "0")
        fix = (
            f"unset {DISABLE_PLUGINS_ENV}, which disables plugins"
            if disabled
            else f"install {distribution or 'it'} and load the run again"
        )
        raise ConfigError(
            f"run {run_dir.name} was trained with plugin {name!r}, which is not "
            f"installed: {fix}"
        )


def _plugin_distribution(run_dir: Path, name: str) -> str | None:
    """Return the distribution that provided plugin `name`, from environment.json."""
    try:
        environment = json.loads((run_dir / "environment.json").read_text("utf-8"))
        return environment["plugins"][name]["distribution"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _rebuild_head(saved: Checkpoint, *, registry: Registry) -> torch.nn.Module:
    config = resolve_config(saved.sidecar["config"], registry)
    model = build_head(
        config.head,
        registry=registry,
        shape=ModelShape(**saved.sidecar["shape"]),
        features=saved.section("features"),
        active=config.plugins,
    )
    load_head_weights(
        model, saved, fix=f"install the {config.head.name!r} head the run used"
    )
    return model.eval()


def _id_map(saved: Checkpoint) -> IdMap:
    id_map = IdMap(
        user_ids=np.asarray(saved.sidecar["id_map"]["user_ids"], dtype=np.int64),
        item_ids=np.asarray(saved.sidecar["id_map"]["item_ids"], dtype=np.int64),
    )
    shape: dict[str, Any] = saved.sidecar["shape"]
    if (id_map.n_users, id_map.n_items) != (shape["n_users"], shape["n_items"]):
        raise CheckpointError(
            f"corrupt checkpoint {saved.path}: its id maps list {id_map.n_users} "
            f"users and {id_map.n_items} movies, its shape {shape['n_users']} and "
            f"{shape['n_items']}; delete it or start a new run"
        )
    return id_map


def _seen_matrix(run_dir: Path, id_map: IdMap) -> scipy.sparse.csr_matrix:
    """Return the (n_users, n_items) 0/1 matrix of train and validation ratings."""
    path = run_dir / INTERACTIONS_FILE
    try:
        tensors = load_file(path)
        users = np.concatenate(
            [tensors[f"{part}.user_index"].numpy() for part in ("train", "validation")]
        )
        items = np.concatenate(
            [tensors[f"{part}.item_index"].numpy() for part in ("train", "validation")]
        )
    except FileNotFoundError:
        raise CheckpointError(
            f"{path} is missing: recommendations need the run's train and "
            "validation ratings to leave them out; rerun the run with "
            f"'ncfkit run -c {run_dir / 'config.toml'}'"
        ) from None
    except (OSError, SafetensorError, KeyError) as error:
        raise CheckpointError(
            f"corrupt {path}: {error}; rerun the run with "
            f"'ncfkit run -c {run_dir / 'config.toml'}'"
        ) from None
    matrix = scipy.sparse.csr_matrix(
        (np.ones(len(users), dtype=np.float32), (users, items)),
        shape=(id_map.n_users, id_map.n_items),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix
