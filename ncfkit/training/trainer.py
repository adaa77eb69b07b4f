"""The training loop: mini-batches indexed from tensors held in memory.

Each epoch's shuffle comes from a generator seeded by (seed, epoch), and the global
torch RNG state (dropout) travels with every checkpoint, so a run resumed from a
checkpoint, even one saved mid-epoch, reproduces the uninterrupted run exactly.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from ncfkit.config import TrainingConfig
from ncfkit.errors import TrainingDiverged

logger = logging.getLogger(__name__)

EVAL_BATCH_SIZE = 65536


@dataclass(frozen=True)
class TrainingData:
    """Index and target tensors of the train and validation parts.

    Targets are ratings on the [0, 1] training scale (rating / rating_max).
    """

    train_users: torch.Tensor
    train_items: torch.Tensor
    train_targets: torch.Tensor
    validation_users: torch.Tensor
    validation_items: torch.Tensor
    validation_targets: torch.Tensor

    def to(self, device: torch.device) -> TrainingData:
        return TrainingData(
            *(getattr(self, n).to(device) for n in self.__dataclass_fields__)
        )


@dataclass
class TrainState:
    """Progress that a checkpoint stores so that training can resume exactly."""

    epochs_done: int = 0
    # Batches finished in the epoch after `epochs_done`, and their summed loss,
    # when a checkpoint is taken mid-epoch.
    batches_done: int = 0
    partial_loss_sum: float = 0.0
    best_epoch: int = 0
    best_validation_loss: float = math.inf
    epochs_without_improvement: int = 0
    history: list[dict[str, float]] = field(default_factory=list)

    def to_json(self) -> dict:
        state = asdict(self)
        if math.isinf(self.best_validation_loss):
            state["best_validation_loss"] = None
        return state

    @classmethod
    def from_json(cls, state: dict) -> TrainState:
        state = dict(state)
        if state.get("best_validation_loss") is None:
            state["best_validation_loss"] = math.inf
        return cls(**state)


@dataclass(frozen=True)
class EpochResult:
    epoch: int
    train_loss: float
    validation_loss: float
    seconds: float
    is_best: bool


class Trainer:
    """Runs epochs of Adam on the MSE loss and reports through callbacks.

    `on_batch(epoch, batch, n_batches)` is called after every optimiser step,
    `on_epoch(result)` after each epoch's validation. When `stop` is set, training
    returns after the current batch with the state needed to continue.
    """

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        *,
        settings: TrainingConfig,
        device: torch.device,
        stop: threading.Event | None = None,
        on_batch: Callable[[int, int, int], None] | None = None,
        on_epoch: Callable[[EpochResult, TrainState], None] | None = None,
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.settings = settings
        self.device = device
        self.stop = stop or threading.Event()
        self.on_batch = on_batch or (lambda epoch, batch, n_batches: None)
        self.on_epoch = on_epoch or (lambda result, state: None)
        self.loss_fn = nn.MSELoss()
        self.penalty: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = (
            getattr(model, "penalty", None)
        )

    def fit(self, data: TrainingData, state: TrainState) -> bool:
        """Train until the configured epochs are done, early stopping ends it, or
        `stop` is set. Return True when training finished, False when stopped."""
        data = data.to(self.device)
        while state.epochs_done < self.settings.epochs:
            epoch = state.epochs_done + 1
            started = time.perf_counter()
            finished_epoch = self._train_epoch(epoch, data, state)
            if not finished_epoch:
                return False
            train_loss = state.partial_loss_sum / len(data.train_targets)
            validation_loss = self.evaluate_loss(
                data.validation_users, data.validation_items, data.validation_targets
            )
            if not math.isfinite(validation_loss):
                raise TrainingDiverged(
                    f"training diverged in epoch {epoch}: validation loss is "
                    f"{validation_loss}; lower training.learning_rate"
                )
            result = self._close_epoch(
                state, epoch, train_loss, validation_loss, time.perf_counter() - started
            )
            self.on_epoch(result, state)
            if self.stop.is_set() and state.epochs_done < self.settings.epochs:
                return False
            if self._early_stop(state):
                logger.info(
                    "early stopping after epoch %d: no better validation loss in %d "
                    "epochs (best %.4f at epoch %d)",
                    epoch,
                    self.settings.patience,
                    state.best_validation_loss,
                    state.best_epoch,
                )
                break
        return True

    def _train_epoch(self, epoch: int, data: TrainingData, state: TrainState) -> bool:
        n_rows = len(data.train_targets)
        batch_size = self.settings.batch_size
        n_batches = math.ceil(n_rows / batch_size)
        # The order depends only on (seed, epoch), so a resumed epoch replays it.
        generator = torch.Generator().manual_seed(self.settings.seed * 100_003 + epoch)
        order = torch.randperm(n_rows, generator=generator).to(self.device)
        self.model.train()

        for batch in range(state.batches_done, n_batches):
            # Move: the batch is a slice of the shuffled order.
            rows = order[batch * batch_size : (batch + 1) * batch_size]
            users, items = data.train_users[rows], data.train_items[rows]
            targets = data.train_targets[rows]

            # Forward and loss.
            loss = self.loss_fn(self.model(users, items), targets)
            loss_value = loss.item()
            if not math.isfinite(loss_value):
                raise TrainingDiverged(
                    f"training diverged in epoch {epoch}, batch {batch + 1}: loss is "
                    f"{loss_value}; lower training.learning_rate"
                )

            # Backward and step; a head's penalty (regularisation of the rows in
            # this batch) joins the objective but not the reported loss.
            objective = loss + self.penalty(users, items) if self.penalty else loss
            self.optimizer.zero_grad(set_to_none=True)
            objective.backward()
            self.optimizer.step()

            # Report; the loss sum is weighted by batch size for the epoch mean.
            state.partial_loss_sum += loss_value * len(rows)
            state.batches_done = batch + 1
            self.on_batch(epoch, batch + 1, n_batches)
            if self.stop.is_set() and batch + 1 < n_batches:
                return False
        return True

    def _close_epoch(
        self,
        state: TrainState,
        epoch: int,
        train_loss: float,
        validation_loss: float,
        seconds: float,
    ) -> EpochResult:
        is_best = validation_loss < state.best_validation_loss
        if is_best:
            state.best_epoch = epoch
            state.best_validation_loss = validation_loss
            state.epochs_without_improvement = 0
        else:
            state.epochs_without_improvement += 1
        state.epochs_done = epoch
        state.batches_done = 0
        state.partial_loss_sum = 0.0
        state.history.append(
            {
                "epoch": epoch,
                "train_loss": train_loss,
                "validation_loss": validation_loss,
                "seconds": seconds,
            }
        )
        return EpochResult(epoch, train_loss, validation_loss, seconds, is_best)

    def _early_stop(self, state: TrainState) -> bool:
        patience = self.settings.patience
        return patience > 0 and state.epochs_without_improvement >= patience

    @torch.no_grad()
    def evaluate_loss(
        self, users: torch.Tensor, items: torch.Tensor, targets: torch.Tensor
    ) -> float:
        """Return the mean MSE on the [0, 1] scale, without clipping."""
        predictions = predict(self.model, users, items)
        return float(torch.mean((predictions - targets.to(predictions.device)) ** 2))


@torch.no_grad()
def predict(model: nn.Module, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
    """Return the model's [0, 1]-scale predictions in eval mode, in large batches."""
    model.eval()
    device = next(model.parameters()).device
    parts = [
        model(
            users[start : start + EVAL_BATCH_SIZE].to(device),
            items[start : start + EVAL_BATCH_SIZE].to(device),
        )
        for start in range(0, len(users), EVAL_BATCH_SIZE)
    ]
    return torch.cat(parts) if parts else torch.empty(0, device=device)
