"""The version of deltaprop (one place: pyproject.toml reads it, generated headers print it)."""

__version__ = "0.1.0"
