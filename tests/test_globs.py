"""The gate.exclude matcher, checked by hand and against git's own `check-ignore` as the oracle."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gitutil import git
from wtorch.globs import compile_glob

PATHS = [
    "vendor",
    "vendor/x.go",
    "a/b/vendor/x.go",
    "a/vendor.go",
    "docs/a.md",
    "docs/sub/a.md",
    "x/docs/a.md",
    "pkg/zz_generated.deepcopy.go",
    "zz_generated.go",
    "abs/y",
    "b/abs/y",
    "a/x/y/b",
    "a/b",
    "ab",
    "a[1].txt",
    "b.txt",
    "c.txt",
]

CASES = {
    "vendor/": {"vendor/x.go", "a/b/vendor/x.go"},
    "vendor/**": {"vendor/x.go"},
    "**/vendor": {"vendor", "vendor/x.go", "a/b/vendor/x.go"},
    "/abs": {"abs/y"},
    "abs": {"abs/y", "b/abs/y"},
    "docs/*.md": {"docs/a.md"},
    "docs/": {"docs/a.md", "docs/sub/a.md", "x/docs/a.md"},
    "**/zz_generated.*.go": {"pkg/zz_generated.deepcopy.go"},
    "a/**/b": {"a/x/y/b", "a/b", "a/b/vendor/x.go"},
    "?b": {"ab"},
    "[bc].txt": {"b.txt", "c.txt"},
    "[!b].txt": {"c.txt"},
    "a\\[1].txt": {"a[1].txt"},
    "*.md": {"docs/a.md", "docs/sub/a.md", "x/docs/a.md"},
    "**": set(PATHS),
}


@pytest.fixture
def oracle(tmp_path: Path) -> Path:
    """An empty repository whose .gitignore holds one pattern at a time."""
    git(tmp_path, "init", "-q")
    return tmp_path


def _ask(where: Path, paths: list[str]) -> set[str]:
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "-z", "--stdin", "-v", "-n"],
        cwd=where,
        input="".join(f"{p}\0" for p in paths),
        capture_output=True,
        text=True,
    )
    assert result.returncode in (0, 1), result.stderr
    fields = result.stdout.split("\0")[:-1]
    records = [fields[i : i + 4] for i in range(0, len(fields), 4)]
    return {path for source, _line, _pattern, path in records if source}


@pytest.mark.parametrize(("pattern", "expected"), sorted(CASES.items()))
def test_known_patterns(pattern: str, expected: set[str], oracle: Path) -> None:
    glob = compile_glob(pattern)
    assert {p for p in PATHS if glob.matches(p)} == expected
    assert _ask_with(oracle, pattern, PATHS) == expected


def _ask_with(where: Path, pattern: str, paths: list[str]) -> set[str]:
    (where / ".gitignore").write_text(pattern + "\n")
    return _ask(where, paths)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("!vendor/", "negation ('!') is not supported"),
        ("#notes", "a leading '#' makes a comment"),
        ("/", "the pattern is empty"),
        ("", "the pattern is empty"),
        ("[[:alpha:]]*.go", "POSIX character classes"),
    ],
)
def test_unsupported_patterns_are_rejected_with_the_reason(pattern: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        compile_glob(pattern)


SEGMENTS = st.sampled_from(["a", "b", "ab", "*", "?", "**", "a*", "*b", "[ab]", "[!a]", "?b", "a?"])
NAMES = st.sampled_from(["a", "b", "ab", "ba", "bb", "c"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    segments=st.lists(SEGMENTS, min_size=1, max_size=3),
    lead=st.booleans(),
    trail=st.booleans(),
    paths=st.lists(st.lists(NAMES, min_size=1, max_size=4).map("/".join), min_size=1, max_size=8, unique=True),
)
def test_agrees_with_git_check_ignore(
    segments: list[str], lead: bool, trail: bool, paths: list[str], oracle: Path
) -> None:
    pattern = ("/" if lead else "") + "/".join(segments) + ("/" if trail else "")
    glob = compile_glob(pattern)
    assert {p for p in paths if glob.matches(p)} == _ask_with(oracle, pattern, paths), pattern
