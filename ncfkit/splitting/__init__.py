"""Built-in splitters, registered through the same hook as plugins' splitters."""

from ncfkit.components import Component
from ncfkit.hookspecs import hookimpl


@hookimpl
def register_splitters() -> list[Component]:
    from ncfkit.splitting import leave_one_out, per_user_ratio, random_split, temporal

    return [
        per_user_ratio.COMPONENT,
        random_split.COMPONENT,
        leave_one_out.COMPONENT,
        temporal.COMPONENT,
    ]
