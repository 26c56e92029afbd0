"""One module per command: plain arguments in, a result object out. Nothing here prints."""
