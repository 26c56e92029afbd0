"""Pure checks on git names, so nothing a manifest says can become a git option or a bad ref.

`branch_name_problem` mirrors `git check-ref-format --branch` (git 2.39): the tests compare it
with git itself on generated names.
"""

from __future__ import annotations

import re

MANIFEST_NAME = "wtorch.toml"
"""The manifest's file name, at the root of the main worktree."""

_FORBIDDEN_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")
_ID_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def branch_name_problem(name: str) -> str | None:
    """Why `name` is not a valid branch name, or None when git would accept it."""
    if not name:
        return "it is empty"
    if name.startswith("-"):
        return "it starts with '-'"
    if name == "HEAD":
        return "'HEAD' is reserved"
    if _FORBIDDEN_CHARS.search(name):
        return "it contains a space, a control character or one of ~ ^ : ? * [ \\"
    if ".." in name:
        return "it contains '..'"
    if "@{" in name:
        return "it contains '@{'"
    if name.startswith("/") or name.endswith("/") or "//" in name:
        return "it has an empty path component"
    if name.endswith("."):
        return "it ends with '.'"
    for part in name.split("/"):
        if part.startswith("."):
            return f"component '{part}' starts with '.'"
        if part.endswith(".lock"):
            return f"component '{part}' ends with '.lock'"
    return None


def is_valid_id(value: str) -> bool:
    """Effort ids: `[a-z0-9][a-z0-9._-]{0,63}` (SPEC §2)."""
    return _ID_RE.fullmatch(value) is not None


def is_valid_name(value: str) -> bool:
    """Project names, owners and remotes: like ids, upper case allowed; never an option or a path."""
    return _NAME_RE.fullmatch(value) is not None
