"""The peer suite: gradient cases taken from other projects' own test files (see ``cases``),
each run as a user would (spec text -> generated NumPy module -> gradients) and checked by
``checks`` against 30-digit SymPy and central differences."""
