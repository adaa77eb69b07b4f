"""Building a configured head and loading a checkpoint's weights into it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import torch
from torch import nn

from ncfkit.components import ModelShape
from ncfkit.config import ComponentConfig
from ncfkit.errors import CheckpointError
from ncfkit.registry import Registry
from ncfkit.runs.checkpoint import Checkpoint


def build_head(
    head: ComponentConfig,
    *,
    registry: Registry,
    shape: ModelShape,
    features: Mapping[str, torch.Tensor],
    active: Iterable[str] | None = None,
) -> nn.Module:
    """Build the head named in `head` with its parameters, sizes and features."""
    component = registry.get("head", head.name, active=active).component
    return component.factory(head.params, shape=shape, features=features)


def load_head_weights(model: nn.Module, checkpoint: Checkpoint, *, fix: str) -> None:
    """Load the checkpoint's `model.*` tensors; a mismatch raises CheckpointError
    whose message ends with `fix`."""
    try:
        model.load_state_dict(checkpoint.section("model"))
    except RuntimeError as error:
        first_line = str(error).splitlines()[0]
        raise CheckpointError(
            f"checkpoint {checkpoint.path} does not fit the head: {first_line}; {fix}"
        ) from None
