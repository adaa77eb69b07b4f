"""ncfkit: neural collaborative filtering experiments on MovieLens."""

__version__ = "0.1.0"
