"""The pure branch-name check agrees with `git check-ref-format --branch` itself."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from wtorch.names import branch_name_problem, is_valid_id

ALPHABET = "ab/.-_@{}~^:?*[\\ lock"


def git_accepts(name: str, cwd: Path) -> bool:
    result = subprocess.run(["git", "check-ref-format", "--branch", name], cwd=cwd, capture_output=True)
    return result.returncode == 0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=12))
@example("HEAD")
@example("@")
@example("-x")
@example("a.lock/b")
@example("feature/tmc-completion/p6w1-synctarget-controller")
@example("a/./b")
@example("a\x7fb")
def test_matches_git(name: str) -> None:
    cwd = Path("/")
    assert (branch_name_problem(name) is None) == git_accepts(name, cwd), name


def test_ids() -> None:
    assert is_valid_id("p6w1-synctarget-controller")
    assert is_valid_id("a" * 64) and not is_valid_id("a" * 65)
    for bad in ("--upload-pack=x", "-a", "A", "a/b", "", ".a", "a b"):
        assert not is_valid_id(bad)
