"""`wtorch init`: a commented starter wtorch.toml; never overwrites."""

from __future__ import annotations

import os
import re
from pathlib import Path

from wtorch.errors import UsageError
from wtorch.names import branch_name_problem, is_valid_name

STARTER = """\
# wtorch.toml: the wave manifest. Reference: docs/manifest.md
version = 1

[project]
name = "{project}"                               # {{project}} in templates
base = "{base}"                                  # where finished efforts are merged
# remote = "origin"                              # enables fetch and push
# branch_template = "feature/{{project}}/{{id}}"
# worktree_template = "../{{repo}}-worktrees/{{id}}"   # relative to the main worktree
# split_template = "{{branch}}-{{n}}-split"
# defunct_template = "feature/defunct-{{project}}/{{id}}"
# max_parallel = 3                               # agents available per wave

[gate]
max_lines = 800                                  # the review budget per branch
# count = "changed"                              # or "added"
# exclude = ["vendor/**"]                        # on top of the built-in exclusions

# [sync]
# strategy = "rebase"                            # or "merge"

# [worktree]
# copy = [".env"]                                # untracked files copied into each new worktree
# setup = ["make deps"]                          # run in each new worktree

# [validate]
# command = "make test"                          # what validate-wave runs in each worktree

# One [[effort]] per branch. Uncomment and adapt:
#
# [[effort]]
# id = "w1-api"                                  # [a-z0-9][a-z0-9._-]*, unique
# title = "API types"
# wave = 1                                       # optional: derived from depends_on
# estimate = 600                                 # planned changed lines
# paths = ["pkg/api/"]                           # what it expects to touch
# owner = "agent-1"
#
# [[effort]]
# id = "w2-controller"
# title = "Controller"
# depends_on = ["w1-api"]
# estimate = 700
# paths = ["pkg/controller/"]
"""


def _project_name(folder: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", folder).strip("-._") or "project"
    return cleaned[:64]


def run_init(target: Path, *, project: str | None, base: str, default_project: str) -> Path:
    """Write the starter manifest at `target`; refuse when something is already there."""
    name = project or _project_name(default_project)
    if not is_valid_name(name):
        raise UsageError(f"--project {name!r}: use letters, digits, '.', '_' and '-', starting with a letter or digit")
    why = branch_name_problem(base)
    if why:
        raise UsageError(f"--base {base!r} is not a valid branch name: {why}")
    if target.exists():
        raise UsageError(f"{target} already exists; wtorch never overwrites a manifest (edit it, or remove it first)")
    text = STARTER.format(project=name, base=base)
    # O_EXCL: a file that appeared since the check above is still never overwritten.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return target
