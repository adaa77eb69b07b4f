"""Choosing the torch device for a run."""

from __future__ import annotations

import torch

from ncfkit.errors import ConfigError


def resolve_device(name: str) -> torch.device:
    """Map `auto`, `cpu`, `cuda[:N]` or `mps` to an available torch device.

    `auto` picks cuda, then mps, then cpu. Asking for an unavailable device raises
    ConfigError that suggests `training.device=cpu`.
    """
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    kind = name.split(":")[0]
    available = {
        "cpu": True,
        "cuda": torch.cuda.is_available(),
        "mps": torch.backends.mps.is_available(),
    }
    if not available.get(kind, False):
        raise ConfigError(
            f"device {name!r} is not available on this machine: "
            "use --set training.device=cpu (or auto)"
        )
    return torch.device(name)
