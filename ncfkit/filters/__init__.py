"""Built-in filters, registered through the same hook as plugins' filters."""

from ncfkit.hookspecs import hookimpl


@hookimpl
def register_filters():
    return []
