"""One module per ``deltaprop`` sub-command."""
