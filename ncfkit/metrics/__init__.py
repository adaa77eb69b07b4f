"""Built-in metrics, registered through the same hook as plugins' metrics."""

from ncfkit.hookspecs import hookimpl


@hookimpl
def register_metrics():
    return []
