"""`wtorch demo`: a throwaway repository and the whole wave day run on it, step by step (SPEC §5).

Everything is real: the repository is built with git, the agents' work is committed in their
worktrees, and every step runs the wtorch a user would type, as a separate process, whose output
is shown as it is. Nothing is written outside the demo directory; git runs there with no user or
system configuration, under a demo identity.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wtorch import git
from wtorch.errors import UsageError
from wtorch.runner import Job, run_many

MANIFEST = """\
# A sample wave manifest, shaped like examples/phase6.toml (smaller, so the demo runs in seconds).
version = 1

[project]
name = "tmc-completion"
base = "main"
worktree_template = "../worktrees/{id}"   # beside the repository, inside the demo directory
max_parallel = 3

[gate]
max_lines = 300

[validate]
command = "test -f README.md"

[[effort]]
id = "p6w1-synctarget-controller"
title = "SyncTarget Controller"
wave = 1
estimate = 250
paths = ["pkg/synctarget/"]
owner = "agent-1"

[[effort]]
id = "p6w3-webhooks"
title = "Admission Webhooks"
wave = 1
estimate = 120
paths = ["pkg/admission/", "config/"]
owner = "agent-2"

[[effort]]
id = "p6w2-vw-discovery"
title = "Virtual Workspace Discovery"
wave = 1
estimate = 280
paths = ["pkg/vw/discovery/"]
owner = "agent-3"

[[effort]]
id = "p6w2-vw-core"
title = "Virtual Workspace Core"
depends_on = ["p6w1-synctarget-controller"]
estimate = 200
owner = "agent-1"

[[effort]]
id = "p6w1-cluster-controller"
title = "Cluster Controller"
depends_on = ["p6w1-synctarget-controller"]
estimate = 180
owner = "agent-2"
"""

IDENTITY = {
    "GIT_AUTHOR_NAME": "wtorch demo",
    "GIT_AUTHOR_EMAIL": "demo@wtorch.invalid",
    "GIT_COMMITTER_NAME": "wtorch demo",
    "GIT_COMMITTER_EMAIL": "demo@wtorch.invalid",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}
"""The demo's git ignores the user's configuration (no signing hooks, no templates) and needs no identity."""


@dataclass(frozen=True)
class Step:
    title: str
    say: str
    wtorch: tuple[str, ...] = ()
    """The command as a user types it, after `wtorch` (empty: the step is hand-work only)."""
    expect: int = 0
    work: Callable[[Demo], list[str]] | None = None
    """Hand-work done before the command (agents committing, main moving on): what was done, a line each."""


@dataclass(frozen=True)
class StepResult:
    number: int
    step: Step
    did: list[str]
    output: str
    returncode: int | None

    @property
    def as_expected(self) -> bool:
        return not self.step.wtorch or self.returncode == self.step.expect


@dataclass
class Demo:
    directory: Path
    repo: Path
    results: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.as_expected for r in self.results)

    def worktree(self, effort_id: str) -> Path:
        return self.directory / "worktrees" / effort_id

    def write(self, where: Path, files: dict[str, str], message: str) -> str:
        for relpath, text in files.items():
            target = where / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return git.repo.commit_all(where, message, env=IDENTITY)


def prepare(directory: Path | None) -> Path:
    """The demo directory: DIR (absent or empty), else a new temporary one. A non-empty DIR is refused untouched."""
    if directory is None:
        return Path(tempfile.mkdtemp(prefix="wtorch-demo-")).resolve()
    directory = directory.resolve()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UsageError(f"{directory} is not empty: the demo needs an empty or absent directory (nothing was touched)")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def run_demo(directory: Path | None, *, pause: float = 0.0, show: Callable[[StepResult], None] | None = None) -> Demo:
    """Build the repository, then run every step; stops at the first step that does not go as expected."""
    from wtorch.commands import demo_steps

    root = prepare(directory)
    demo = Demo(root, root / "repo")
    demo.repo.mkdir()
    git.repo.init(demo.repo, branch="main", env=IDENTITY)
    demo.write(demo.repo, demo_steps.START, "Project skeleton and the wave manifest")
    for number, step in enumerate(demo_steps.STEPS, start=1):
        result = _run_step(demo, number, step)
        demo.results.append(result)
        if show:
            show(result)
        if not result.as_expected:
            break
        time.sleep(pause)
    return demo


def _run_step(demo: Demo, number: int, step: Step) -> StepResult:
    did = step.work(demo) if step.work else []
    if not step.wtorch:
        return StepResult(number, step, did, "", None)
    argv = (sys.executable, "-m", "wtorch", *step.wtorch)
    env = tuple({**IDENTITY, "COLUMNS": str(_columns())}.items())
    logs = demo.directory / "logs"
    logs.mkdir(exist_ok=True)
    (outcome,) = run_many([Job(f"step-{number}", argv, demo.repo, env)], parallel=1, timeout=120, log_dir=logs)
    output = outcome.log.read_bytes().decode("utf-8", "replace")
    return StepResult(number, step, did, output, outcome.returncode)


def _columns() -> int:
    import shutil

    return max(80, shutil.get_terminal_size((120, 40)).columns)
