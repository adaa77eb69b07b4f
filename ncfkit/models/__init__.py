"""Built-in model heads, registered through the same hook as plugins' heads."""

from ncfkit.hookspecs import hookimpl


@hookimpl
def register_heads():
    from ncfkit.models import biased_mf, gmf, mlp, neumf

    return [mlp.COMPONENT, gmf.COMPONENT, neumf.COMPONENT, biased_mf.COMPONENT]
