"""deltaprop: symbolic backpropagation, textbook derivations and generated NumPy code."""

__version__ = "0.1.0"
