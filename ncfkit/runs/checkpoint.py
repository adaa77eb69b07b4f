"""Checkpoints: weights in safetensors plus a JSON sidecar, written atomically.

A checkpoint named KIND ("last" or "best") is `KIND.json` beside a weights file
`KIND-<token>.safetensors`. The weights file is written first under a fresh name,
then the sidecar is atomically replaced to point at it, then the old weights file
is removed. Killing the process at any moment therefore leaves a sidecar that
points at complete weights: the previous checkpoint or the new one.

The safetensors file contains `model.*` (the head's state dict), `features.*` (the
feature tensors the head was built with), `optimizer.<param>.<key>` (Adam's
moments) and `rng.torch` (the global torch RNG state, for dropout on resume).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from ncfkit.errors import CheckpointError

FORMAT_VERSION = 1


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, fsync it, then rename it."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_directory(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # directories cannot be opened on some platforms (Windows)
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass(frozen=True)
class Checkpoint:
    """A loaded checkpoint: its sidecar and the tensors of its weights file."""

    path: Path  # the sidecar
    sidecar: dict[str, Any]
    tensors: dict[str, torch.Tensor]

    def section(self, prefix: str) -> dict[str, torch.Tensor]:
        """Return the tensors under `prefix.`, with the prefix removed."""
        start = len(prefix) + 1
        return {
            k[start:]: v for k, v in self.tensors.items() if k.startswith(prefix + ".")
        }


def save_checkpoint(
    directory: Path,
    kind: str,
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    features: dict[str, torch.Tensor],
    sidecar: dict[str, Any],
) -> Path:
    """Write checkpoint `kind` into `directory` and return the sidecar's path."""
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    tensors.update({f"features.{k}": v for k, v in features.items()})
    optimizer_state = optimizer.state_dict()
    for param_id, moments in optimizer_state["state"].items():
        for key, value in moments.items():
            tensors[f"optimizer.{param_id}.{key}"] = torch.as_tensor(value)
    tensors["rng.torch"] = torch.get_rng_state()
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()}
    data = save_tensors(tensors)

    sidecar_path = directory / f"{kind}.json"
    weights_name = f"{kind}-{secrets.token_hex(4)}.safetensors"
    atomic_write_bytes(directory / weights_name, data)
    document = {
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "weights": weights_name,
        "weights_sha256": hashlib.sha256(data).hexdigest(),
        "optimizer_param_groups": optimizer_state["param_groups"],
        **sidecar,
    }
    atomic_write_text(sidecar_path, json.dumps(document, indent=1) + "\n")
    # Remove every older weights file of this kind, including one an earlier
    # process wrote but was killed before its sidecar pointed at it.
    for stale in directory.glob(f"{kind}-*.safetensors"):
        if stale.name != weights_name:
            stale.unlink(missing_ok=True)
    return sidecar_path


def load_checkpoint(sidecar_path: Path) -> Checkpoint:
    """Read and verify a checkpoint; any problem raises CheckpointError."""
    if not sidecar_path.is_file():
        raise CheckpointError(
            f"checkpoint not found: {sidecar_path}; pass a run folder that has "
            "checkpoints/last.json"
        )
    try:
        sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
        weights_name = sidecar["weights"]
        expected_sum = sidecar["weights_sha256"]
        version = sidecar["format_version"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise CheckpointError(
            f"corrupt checkpoint {sidecar_path}: {error}; delete it or start a new run"
        ) from None
    if version != FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint {sidecar_path} has format version {version}, this ncfkit "
            f"reads version {FORMAT_VERSION}; use the ncfkit release that wrote it"
        )
    weights_path = sidecar_path.parent / Path(weights_name).name
    try:
        data = weights_path.read_bytes()
    except OSError as error:
        raise CheckpointError(
            f"checkpoint weights missing: {weights_path} ({error.strerror}); "
            f"restore the file {sidecar_path.name} names, or start a new run"
        ) from None
    if hashlib.sha256(data).hexdigest() != expected_sum:
        raise CheckpointError(
            f"corrupt checkpoint {weights_path}: its SHA-256 does not match "
            f"{sidecar_path.name}; delete the checkpoint or start a new run"
        )
    try:
        tensors = load_tensors(data)
    except (SafetensorError, ValueError) as error:
        raise CheckpointError(f"corrupt checkpoint {weights_path}: {error}") from None
    return Checkpoint(path=sidecar_path, sidecar=sidecar, tensors=tensors)


def restore_optimizer(optimizer: torch.optim.Optimizer, checkpoint: Checkpoint) -> None:
    """Load the optimizer moments and hyperparameters saved in `checkpoint`."""
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in checkpoint.section("optimizer").items():
        param_id, name = key.split(".", 1)
        state.setdefault(int(param_id), {})[name] = value
    optimizer.load_state_dict(
        {"state": state, "param_groups": checkpoint.sidecar["optimizer_param_groups"]}
    )
