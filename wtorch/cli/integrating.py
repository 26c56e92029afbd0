"""CLI: integrate."""

from __future__ import annotations

from wtorch.cli.app import app  # noqa: F401
