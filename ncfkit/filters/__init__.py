"""Built-in filters, registered through the same hook as plugins' filters."""

from ncfkit.components import Component
from ncfkit.hookspecs import hookimpl


@hookimpl
def register_filters() -> list[Component]:
    from ncfkit.filters import min_ratings

    return [min_ratings.COMPONENT]
