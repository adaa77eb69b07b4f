"""The optimiser of a run: Adam with the configured learning rate and decay."""

from __future__ import annotations

import torch
from torch import nn

from ncfkit.config import TrainingConfig

# Devices that get torch's fused Adam kernel, which makes one pass over each
# parameter instead of eight element-wise ops. On CPU with torch 2.13 it cut a
# batch-512 step of the reference head by about a quarter (benchmarks/README.md).
# NOTE: only the CPU path has been measured. MPS has a fused kernel too, but it is
# left out because it has not been tried.
FUSED_DEVICES = ("cpu", "cuda")


def build_optimizer(
    model: nn.Module, *, settings: TrainingConfig, device: torch.device
) -> torch.optim.Adam:
    """Build Adam over the parameters of `model`, which must already be on `device`.

    The fused kernel is used on the devices in FUSED_DEVICES.
    """
    # None elsewhere, because False would also turn off torch's foreach default.
    fused = True if device.type in FUSED_DEVICES else None
    return torch.optim.Adam(
        model.parameters(),
        lr=settings.learning_rate,
        weight_decay=settings.weight_decay,
        fused=fused,
    )
