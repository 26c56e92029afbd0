"""Branch and worktree templates: placeholders checked up front, rendered names validated."""

from __future__ import annotations

import os
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
    fixed = []
    for part in template.split("/"):
        if any(name in _PER_EFFORT for name in placeholders(part)):
            break
        fixed.append(part)
    return Path(os.path.normpath(base / render("/".join(fixed) or ".", values)))


def worktree_path(template: str, values: dict[str, str], base: Path) -> Path:
    return Path(os.path.normpath(base / render(template, values)))


def branch_problem(template_key: str, rendered: str, effort_id: str) -> str | None:
    why = branch_name_problem(rendered)
    if why is None:
        return None
    return (
        f"'project.{template_key}' gives '{rendered}' for effort '{effort_id}', which is not a valid branch name: {why}"
    )
