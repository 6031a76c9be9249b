"""Exceptions shared by every deltaprop component."""


class DeltapropError(Exception):
    """A problem with the user's input, reported as one line without a traceback."""


class NetworkError(DeltapropError, ValueError):
    """A network declaration that cannot be derived."""


class NetworkWarning(UserWarning):
    """A declaration that derives but is probably not what was meant."""
