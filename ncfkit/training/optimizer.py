"""The optimiser of a run: Adam with the configured learning rate and decay."""

from __future__ import annotations

import torch
from torch import nn

from ncfkit.config import TrainingConfig

# Devices with torch's fused Adam kernel that ncfkit has run on. It does one pass
# over each parameter instead of about ten element-wise ops, which cut a batch-512
# step of the reference head on CPU by about a quarter with torch 2.13
# (benchmarks/training.py). MPS also has one, but it has not been tried here.
FUSED_DEVICES = ("cpu", "cuda")


def build_optimizer(
    model: nn.Module, *, settings: TrainingConfig, device: torch.device
) -> torch.optim.Adam:
    """Build Adam over the parameters of `model`, which must already be on
    `device`; the fused kernel is used where available."""
    # None, not False, elsewhere: False would also turn off torch's foreach default.
    fused = True if device.type in FUSED_DEVICES else None
    return torch.optim.Adam(
        model.parameters(),
        lr=settings.learning_rate,
        weight_decay=settings.weight_decay,
        fused=fused,
    )
