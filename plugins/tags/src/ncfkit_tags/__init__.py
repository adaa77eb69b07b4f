"""ncfkit plugin: movies' user tags as TF-IDF + SVD vectors.

Contributes the `tags` feature provider and the `tags` and `genres-tags` heads.
Activate it with `ncfkit run --plugin tags`. The `genres-tags` head also needs the
`genres` feature provider, so it runs with `--plugin genres --plugin tags
--set head=genres-tags`.
"""

from __future__ import annotations

from ncfkit.components import Component
from ncfkit.hookspecs import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_feature_providers() -> list[Component]:
    from ncfkit_tags import features

    return [features.COMPONENT]


@hookimpl
def register_heads() -> list[Component]:
    from ncfkit_tags import head

    return [head.TAGS, head.GENRES_TAGS]
