"""Built-in model heads, registered through the same hook as plugins' heads."""

from ncfkit.hookspecs import hookimpl


@hookimpl
def register_heads():
    from ncfkit.models import biased_mf, gmf, mlp, neumf, svdpp

    return [
        mlp.COMPONENT,
        gmf.COMPONENT,
        neumf.COMPONENT,
        biased_mf.COMPONENT,
        svdpp.COMPONENT,
    ]


@hookimpl
def register_feature_providers():
    from ncfkit.models import implicit_feedback

    return [implicit_feedback.COMPONENT]
