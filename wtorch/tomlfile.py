"""Reading TOML: tomllib with the garbage collector held off during the parse."""

from __future__ import annotations

import gc
import tomllib
from typing import Any

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
