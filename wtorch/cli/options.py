"""Global options where people type them, and usage errors in wtorch's own words.

`wtorch status --json -C ../repo` and `wtorch -C ../repo --json status` mean the same: global
options found after the command name are moved before it, and `--json` found before the command
name is moved after it, before typer parses anything. A command's own options and arguments are
left alone (a value such as `--reason -v` stays the reason; `run`'s CMD is never searched).
"""

from __future__ import annotations

import enum
import inspect
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

GLOBAL_VALUED = ("--manifest", "-C", "--repo")
GLOBAL_FLAGS = ("--no-color", "-v", "--verbose", "--wide")
COMMAND_FLAGS_FIRST = ("--json",)
"""Options of most commands that people also type before the command name."""


@dataclass(frozen=True)
class Hoisted:
    args: list[str]
    """What typer parses: global options first, then the command and its own words."""
    command: tuple[str, ...]
    """The command as typed from its name on, global options left out: what the operations log records."""


def _valued(command: Any) -> set[str]:
    """The command's options that take a value (so the word after them is never taken for an option)."""
    names: set[str] = set()
    for param in getattr(command, "params", ()):
        if getattr(param, "param_type_name", "") == "option" and not getattr(param, "is_flag", False):
            names.update(getattr(param, "opts", ()))
    return names


def _global(tokens: list[str], i: int) -> int:
    """How many words a global option at tokens[i] takes (0: it is not one)."""
    word = tokens[i]
    if word in GLOBAL_VALUED:
        return 2 if i + 1 < len(tokens) else 1
    if word.startswith(tuple(f"{o}=" for o in GLOBAL_VALUED if o.startswith("--"))) or word in GLOBAL_FLAGS:
        return 1
    return 0


def command_name(args: Sequence[str]) -> str | None:
    """The command word in `args` (after any global options), None when there is none."""
    tokens = list(args)
    i = 0
    while i < len(tokens) and tokens[i].startswith("-"):
        n = 1 if tokens[i] in COMMAND_FLAGS_FIRST else _global(tokens, i)
        if not n:
            return None  # --help, --version, a typo: the whole app answers
        i += n
    return tokens[i] if i < len(tokens) else None


def hoist(group: Any, args: Sequence[str]) -> Hoisted:
    tokens = list(args)
    front: list[str] = []
    later: list[str] = []
    i = 0
    while i < len(tokens) and tokens[i].startswith("-"):
        if tokens[i] in COMMAND_FLAGS_FIRST:
            later.append(tokens[i])
            i += 1
            continue
        n = _global(tokens, i) or 1  # anything else there is typer's to judge (--version, --help, a typo)
        front += tokens[i : i + n]
        i += n
    if i >= len(tokens):
        return Hoisted(front + later, ())
    name, rest = tokens[i], tokens[i + 1 :]
    command = group.commands.get(name) if hasattr(group, "commands") else None
    valued = _valued(command)
    interspersed = getattr(command, "allow_interspersed_args", True)
    own: list[str] = []
    j = 0
    while j < len(rest):
        word = rest[j]
        if word == "--" or (not interspersed and not word.startswith("-")):
            own += rest[j:]
            break
        n = _global(rest, j)
        if n:
            front += rest[j : j + n]
            j += n
            continue
        take = 2 if word in valued and j + 1 < len(rest) else 1
        own += rest[j : j + take]
        j += take
    words = [name, *later, *own]
    return Hoisted(front + words, tuple(words))


def usage_message(exc: Any, typed: Sequence[str]) -> str:
    """A bad option value or a missing argument, in wtorch's words, naming the valid choices."""
    param = getattr(exc, "param", None)
    ctx = getattr(exc, "ctx", None)
    if param is None or ctx is None or getattr(exc, "param_hint", None) == "__missing__":
        return str(getattr(exc, "message", "") or exc)
    opts = list(getattr(param, "opts", ()) or [param.name])
    label = next((o for o in opts if o.startswith("--")), opts[0])
    if type(exc).__name__ == "MissingParameter":
        what = param.human_readable_name if hasattr(param, "human_readable_name") else label
        return f"`{ctx.command_path}` needs {what.upper() if not what.startswith('-') else what}"
    value = _typed_value(typed, opts)
    shown = f" (not {value!r})" if value is not None else ""
    kind = _annotation(ctx.command.callback, param.name)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return f"{label} must be one of {', '.join(str(m.value) for m in kind)}{shown}"
    if kind is int:
        return f"{label} must be a whole number{shown}"
    if kind is float:
        return f"{label} must be a number{shown}"
    return f"{label}: {getattr(exc, 'message', '') or exc}"


def _typed_value(typed: Sequence[str], opts: Sequence[str]) -> str | None:
    """The last value typed for an option (`--opt VALUE` or `--opt=VALUE`)."""
    found = None
    for i, word in enumerate(typed):
        if word in opts and i + 1 < len(typed):
            found = typed[i + 1]
        for opt in opts:
            if word.startswith(f"{opt}="):
                found = word.split("=", 1)[1]
    return found


def _annotation(callback: Any, name: str) -> Any:
    """The plain type of a command parameter: `Annotated[list[int] | None, ...]` gives int."""
    try:
        hint = typing.get_type_hints(inspect.unwrap(callback), include_extras=False).get(name)
    except Exception:  # a hint that does not resolve: no type to explain
        return None
    while True:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if not args:
            return hint
        hint = args[0]
