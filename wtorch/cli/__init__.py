"""The command line: a thin typer app (app.py) and one small function per command (see STYLE.md).

Importing the command modules registers their commands on the app.
"""

from wtorch.cli import checks, integrating, lifecycle, planning, reporting, running, syncing
from wtorch.cli.app import app, main

__all__ = ["app", "checks", "integrating", "lifecycle", "main", "planning", "reporting", "running", "syncing"]
