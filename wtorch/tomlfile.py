"""Reading TOML: tomllib with the garbage collector held off during the parse, and a parse kept
beside a file that is read far more often than it changes."""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import threading
import tomllib
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wtorch import __version__

TOMLDecodeError = tomllib.TOMLDecodeError


def loads(text: str) -> dict[str, Any]:
    """`tomllib.loads`. A hostile file nests deep enough to exhaust the stack (answered as damaged);
    a collection at that depth would run finalizers there, which then fail in turn and print
    "Exception ignored" on stderr: no collection runs until the parse is over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return tomllib.loads(text)
    finally:
        if enabled:
            gc.enable()


_KEPT = b"wtorch parse 1 %d " % marshal.version


def remembered(text: str, kept: Path, parse: Callable[[str], dict[str, Any] | None]) -> dict[str, Any] | None:
    """`parse(text)`, answered from the file `kept` when it holds what `parse` gave for exactly this
    text (the text itself is kept beside its parse and compared whole, so an edit by hand or a file
    written since is never mistaken for it); else parsed, and kept there for the next reader.
    `kept` belongs to `parse` alone; its header names `parse` and this wtorch, and the CRC-32 of
    what follows (marshal, which reads it, is not made for damaged input).

    tomllib is pure Python: the state file of a hundred efforts takes 6 ms to parse at every
    command, its kept parse (`marshal`) a tenth of a millisecond. Keeping is best effort: a
    parse that cannot be kept (a TOML date, a read-only directory) is simply parsed each time."""
    head = _KEPT + f"{parse.__module__}.{parse.__qualname__} {__version__} ".encode()
    try:
        with open(kept, "rb") as handle:
            blob = handle.read()
        body = blob[len(head) + 9 :]
        if blob.startswith(head) and blob[len(head) : len(head) + 9] == b"%08x\n" % zlib.crc32(body):
            was, found = marshal.loads(body)
            if was == text and isinstance(found, dict):
                return found
    except (OSError, ValueError, EOFError, TypeError):
        pass
    data = parse(text)
    if data is not None:
        _keep(kept, head, text, data)
    return data


def _keep(kept: Path, head: bytes, text: str, data: dict[str, Any]) -> None:
    """Written beside, then renamed: a reader sees the old parse or the new one, never half of one."""
    try:
        body = marshal.dumps((text, data))
    except ValueError:  # a value marshal does not carry (a TOML date or time)
        return
    staged = kept.with_name(f".{kept.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        staged.write_bytes(head + b"%08x\n" % zlib.crc32(body) + body)
        os.replace(staged, kept)
    except OSError:
        with contextlib.suppress(OSError):
            staged.unlink()
