"""Branch and worktree templates: placeholders checked up front, rendered names validated."""

from __future__ import annotations

import functools
import os
import re
import string
from pathlib import Path

from wtorch.names import branch_name_problem

EFFORT_FIELDS = ("project", "id", "wave", "owner", "repo")
SPLIT_FIELDS = ("branch", "n")
TEMPLATE_FIELDS = {
    "branch_template": EFFORT_FIELDS,
    "worktree_template": EFFORT_FIELDS,
    "defunct_template": EFFORT_FIELDS,
    "split_template": (*EFFORT_FIELDS, *SPLIT_FIELDS),
}
# Placeholders that differ from one effort to the next: the worktree root is what comes before them.
_PER_EFFORT = {"id", "wave", "owner", "branch", "n"}


def placeholders(template: str) -> list[str]:
    """Every `{name}` in the template; raises ValueError on a malformed one (`{`, `{0}`, `{a.b}`)."""
    names = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"malformed placeholder '{{{name}}}'")
        names.append(name)
    return names


def unknown_placeholders(template: str, allowed: tuple[str, ...]) -> list[str]:
    return [name for name in placeholders(template) if name not in allowed]


def render(template: str, values: dict[str, str]) -> str:
    return template.format_map(values)


def worktree_root(template: str, values: dict[str, str], base: Path) -> Path:
    """The fixed directory a worktree template keeps its worktrees under.

    It is the template's leading path components that name no per-effort placeholder,
    resolved against `base`: `../{repo}-worktrees/{id}` keeps worktrees under `../repo-worktrees`.
    """
    return Path(os.path.normpath(os.path.join(base, render(_fixed_part(template), values))))


@functools.lru_cache
def _fixed_part(template: str) -> str:
    """The template's leading components that name no per-effort placeholder (asked per effort)."""
    fixed = []
    for part in template.split("/"):
        if any(name in _PER_EFFORT for name in placeholders(part)):
            break
        fixed.append(part)
    return "/".join(fixed) or "."


def worktree_path(template: str, values: dict[str, str], base: Path) -> Path:
    return Path(os.path.normpath(os.path.join(base, render(template, values))))


NAME_MAX = 255
"""Bytes in one file name: a longer branch or worktree path component cannot be created."""


def _too_long(path: str) -> str | None:
    if len(path) * 4 <= NAME_MAX:  # no character takes more than 4 bytes in UTF-8
        return None
    longest = max((len(part.encode("utf-8", "surrogateescape")) for part in path.split("/")), default=0)
    return f"it has a component of {longest} bytes (at most {NAME_MAX})" if longest > NAME_MAX else None


def worktree_problem(template: str, path: Path, root_of_worktrees: Path, main: Path) -> str | None:
    """Why a rendered worktree path is refused (SPEC §2, §10), as the end of a sentence; else None.

    The rule: the template is relative to the main worktree, and the worktree root it names (the
    part before the first per-effort placeholder) is the main worktree's parent or a directory
    below it: `../{repo}-worktrees/{id}` and `.worktrees/{id}` are fine, `../../x/{id}` and
    `/srv/{id}` are not. Each effort's worktree lies inside that root, not in `.git`.
    """
    if os.path.isabs(template):
        return "from an absolute template: write it relative to the main worktree (e.g. ../{repo}-worktrees/{id})"
    text, root = str(path), str(root_of_worktrees)
    if _CONTROL.search(text):
        return "which contains a control character"
    dot_git = os.path.join(main, ".git")
    if text == dot_git or _inside(text, dot_git):
        return "which is inside the repository's .git directory"
    if not _inside(text, root):
        return f"which is not inside the worktree root '{root_of_worktrees}'"
    if root_of_worktrees != main.parent and not _inside(root, str(main.parent)):
        return f"whose worktree root '{root_of_worktrees}' is outside '{main.parent}', where worktrees may go"
    too_long = _too_long(text[len(root.rstrip("/")) + 1 :])
    return f"which cannot be created: {too_long}" if too_long else None


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _inside(path: str, directory: str) -> bool:
    """`directory in path.parents`, for normalised absolute paths, without making every parent."""
    return path.startswith(directory.rstrip("/") + "/") and path != directory


def branch_problem(template_key: str, rendered: str, effort_id: str) -> str | None:
    why = branch_name_problem(rendered) or _too_long(rendered)
    if why is None:
        return None
    return (
        f"'project.{template_key}' gives '{rendered}' for effort '{effort_id}', which is not a valid branch name: {why}"
    )
