"""ncfkit plugin: movie genres as learned embeddings pooled per movie.

Contributes the `genres` feature provider and the `genres` head through the same
hooks as ncfkit's built-in components. Activate it with `ncfkit run --plugin genres`.
"""

from __future__ import annotations

from ncfkit.components import Component
from ncfkit.hookspecs import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_feature_providers() -> list[Component]:
    from ncfkit_genres import features

    return [features.COMPONENT]


@hookimpl
def register_heads() -> list[Component]:
    from ncfkit_genres import head

    return [head.COMPONENT]
