"""CLI: run and validate-wave."""

from __future__ import annotations

from wtorch.cli.app import app  # noqa: F401
