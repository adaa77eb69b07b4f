"""Readers for the MovieLens folder layouts, registered as built-in components."""

from ncfkit.hookspecs import hookimpl


@hookimpl
def register_readers():
    return []
