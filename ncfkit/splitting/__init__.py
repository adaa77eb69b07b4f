"""Built-in splitters, registered through the same hook as plugins' splitters."""

from ncfkit.hookspecs import hookimpl


@hookimpl
def register_splitters():
    return []
