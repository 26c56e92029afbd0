"""The one rich Console and the JSON writer; renderers per command live beside this module."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from wtorch.output.plain import PlainConsole

_state: dict[str, Any] = {"color": True, "console": None, "wide": False}


def configure(*, color: bool, wide: bool = False) -> None:
    _state["color"] = color
    _state["wide"] = wide
    _state["console"] = None


def is_wide() -> bool:
    """--wide: every column, whatever the terminal's width (lines may wrap)."""
    return bool(_state["wide"])


def console() -> Console | PlainConsole:
    """The shared console (made on first use). Output that is not a terminal gets a PlainConsole,
    which writes text without importing rich (see wtorch/output/plain.py); a terminal, a forced
    colour or a recording (WTORCH_RECORD, for docs/pictures.py) gets rich's Console."""
    if _state["console"] is None:
        from wtorch.output import plain

        record = os.environ.get("WTORCH_RECORD") == "1"
        if plain.colourless() and not record:
            # Piped or captured output gets a generous fixed width rather than rich's 80 columns.
            width = int(os.environ.get("COLUMNS", "160"))
            _state["console"] = plain.PlainConsole(width, lambda w: _rich_console(w, record=False))
        else:
            fixed = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "160"))
            _state["console"] = _rich_console(fixed, record=record)
    console_: Console | PlainConsole = _state["console"]
    return console_


def _rich_console(width: int | None, *, record: bool) -> Console:
    from rich.console import Console

    return Console(
        no_color=not _state["color"] or "NO_COLOR" in os.environ,
        width=width,
        highlight=False,
        soft_wrap=False,
        record=record,
        force_terminal=record or None,
    )


def error_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, no_color=not _state["color"] or "NO_COLOR" in os.environ, highlight=False)


def emit_json(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def emit_text(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def write_atomically(path: Path, text: str) -> None:
    """Stage beside the target, then rename: a reader sees the old file or the new one, never half."""
    import tempfile

    path = path.resolve()
    if not path.parent.is_dir():
        from wtorch.errors import UsageError

        raise UsageError(f"cannot write {path}: no such directory {path.parent}")
    fd, staged = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(staged, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)
        raise
