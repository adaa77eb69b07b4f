"""Training loop, device choice and the state a checkpoint needs to resume."""

from ncfkit.training.device import resolve_device
from ncfkit.training.optimizer import build_optimizer
from ncfkit.training.trainer import EpochResult, Trainer, TrainingData, TrainState

__all__ = [
    "EpochResult",
    "TrainState",
    "Trainer",
    "TrainingData",
    "build_optimizer",
    "resolve_device",
]
