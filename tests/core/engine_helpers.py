"""Config builders shared by the engine and CLI tests."""

from pathlib import Path

from ncfkit.config import RunConfig, apply_overrides, default_raw_config, resolve_config
from ncfkit.registry import Registry

# Small model and few epochs, so a run on the generated data takes about a second.
SMALL_RUN = [
    "training.epochs=3",
    "training.batch_size=64",
    "filters.min-ratings.min_user_ratings=5",
    "filters.min-ratings.min_item_ratings=2",
]


SMALL_MLP = ["head.embedding_dim=8", "head.layers=16,8"]


def small_config(registry: Registry, data: Path, *extra: str) -> RunConfig:
    """Resolve a quick config on `data`; `extra` contains more --set assignments.

    The small MLP sizes apply unless `extra` picks another head.
    """
    head = [] if any(e.startswith("head=") for e in extra) else SMALL_MLP
    assignments = [f"data={data}", *SMALL_RUN, *head, *extra]
    raw = apply_overrides(default_raw_config(), assignments)
    return resolve_config(raw, registry)
