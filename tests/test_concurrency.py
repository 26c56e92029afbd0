"""Issue 12, item 6: many wtorch at once on one repository. They queue on the lock; none fails
with a git error (exit 3) or a traceback, and the repository stays sound."""

from __future__ import annotations

import os
from typing import Any

from tests.forkserver import ROOT
from tests.gitutil import efforts, lines, wt, wtorch_process
from tests.snapshot import IN_PROGRESS, leftovers

ROUNDS = 3
COMMANDS = [
    ("create-wave", "1"),
    ("create-wave", "2"),
    ("sync",),
    ("split", "s", "--max-lines", "70", "--apply", "--force"),
    ("complete", "b", "--reason", "done elsewhere"),
    ("reopen", "b"),
    ("prune",),
    ("undo",),
]
READERS = [("status", "--json"), ("gate", "--wave", "1")]


def test_eight_mutating_commands_at_once_never_fail_with_a_git_error(cli: Any, project: Any) -> None:
    body = efforts('id = "a"', 'id = "b"', 'id = "c"', 'id = "s"', 'id = "d"\ndepends_on = ["a"]')
    repo = project(body)
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "a").commit("a", {"a.txt": "a\n"})
    wt(repo, "s").commit("big", {f"pkg{i}/mod.py": lines(60, f"v{i}") for i in range(3)})
    env = {**os.environ, "WTORCH_LOCK_TIMEOUT": "300"}
    for round_ in range(ROUNDS):
        repo.commit(f"upstream {round_}", {f"up{round_}.txt": "up\n"})
        procs = [wtorch_process(repo, *args, env={**env, "PYTHONPATH": str(ROOT)}) for args in COMMANDS + READERS]
        results = [(args, p, *p.communicate(timeout=600)) for args, p in zip(COMMANDS + READERS, procs, strict=True)]
        for args, proc, out, err in results:
            assert proc.returncode in (0, 1, 2), (args, proc.returncode, out, err)
            assert "Traceback" not in err and "internal error" not in err, (args, err)
            assert proc.returncode != 2 or "another wtorch holds the lock" not in err, (args, err)
        repo.fsck()
        assert leftovers(repo.path / ".git") == []
        gits = [repo.path / ".git", *(repo.path / ".git" / "worktrees").iterdir()]
        assert not [g / m for g in gits for m in IN_PROGRESS if (g / m).exists()]
