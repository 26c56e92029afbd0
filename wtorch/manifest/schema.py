"""Key and type checks for wtorch.toml: which keys exist, of which types, with close-match hints."""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable, Mapping
from typing import Any

# key -> expected kind; "table" keys hold a nested section, "tables" an array of tables.
SECTIONS: dict[str, dict[str, str]] = {
    "": {
        "version": "integer",
        "project": "table",
        "gate": "table",
        "sync": "table",
        "worktree": "table",
        "validate": "table",
        "effort": "tables",
    },
    "project": {
        "name": "string",
        "base": "string",
        "remote": "string",
        "branch_template": "string",
        "worktree_template": "string",
        "split_template": "string",
        "defunct_template": "string",
        "max_parallel": "integer",
    },
    "gate": {"max_lines": "integer", "count": "string", "exclude": "array of strings"},
    "sync": {"strategy": "string"},
    "worktree": {"copy": "array of strings", "setup": "array of strings"},
    "validate": {"command": "string"},
    "effort": {
        "id": "string",
        "title": "string",
        "wave": "integer",
        "depends_on": "array of strings",
        "estimate": "integer",
        "paths": "array of strings",
        "owner": "string",
    },
}


def toml_type(value: Any) -> str:
    """The TOML name of a parsed value's type, as a user would call it."""
    kinds: list[tuple[type | tuple[type, ...], str]] = [
        (bool, "boolean"),
        (int, "integer"),
        (float, "float"),
        (str, "string"),
        (list, "array"),
        (dict, "table"),
        ((datetime.date, datetime.time), "date/time"),
    ]
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def _matches(kind: str, value: Any) -> bool:
    if kind == "array of strings":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "tables":
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    return toml_type(value) == kind


def _describe(kind: str) -> str:
    return {
        "integer": "an integer",
        "string": "a string",
        "table": "a table",
        "tables": "an array of tables ([[effort]])",
        "array of strings": "an array of strings",
    }[kind]


def suggest(word: str, choices: list[str]) -> str:
    """`; did you mean 'x'?` for the closest choice, or nothing."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


Report = Callable[[tuple[str | int, ...], str], None]


def check_keys(
    section: str, table: Mapping[str, Any], where: tuple[str | int, ...], label: str, report: Report
) -> dict[str, Any]:
    """Report unknown keys and wrong types in one table; return the entries that passed."""
    allowed = SECTIONS[section]
    good: dict[str, Any] = {}
    for key, value in table.items():
        kind = allowed.get(key)
        if kind is None:
            place = "at the top level" if not section else f"in {label}"
            report((*where, key), f"unknown key '{key}' {place}{suggest(key, sorted(allowed))}")
        elif not _matches(kind, value):
            shown = f"{section}.{key}" if section and section != "effort" else key
            prefix = f"{label}: " if section == "effort" else ""
            report((*where, key), f"{prefix}'{shown}' must be {_describe(kind)}, not {_a(toml_type(value))}")
        else:
            good[key] = value
    return good


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
