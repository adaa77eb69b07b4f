"""ncfkit: neural collaborative filtering experiments on MovieLens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ncfkit.recommend import load

__version__ = "0.1.0"
__all__ = ["__version__", "load"]


def __getattr__(name: str) -> Any:
    # `load` pulls in torch and pandas, so `import ncfkit` imports it on first use.
    if name == "load":
        from ncfkit.recommend import load

        return load
    raise AttributeError(f"module 'ncfkit' has no attribute {name!r}")
