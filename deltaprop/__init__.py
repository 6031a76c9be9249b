"""deltaprop: symbolic backpropagation, textbook derivations and generated NumPy code."""
from symbolic.version import __version__

__all__ = ["__version__"]
