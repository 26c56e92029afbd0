"""Issue 12, items 8 and 9: nothing written outside the worktree root, and damaged or hostile input
ends as a clear usage error (exit 2), never a traceback or an "internal error" (exit 3). The
manifest and the state file are fuzzed with hypothesis too."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gitutil import efforts, worktree_root, wt

HEADER = 'version = 1\n[project]\nname = "demo"\n'
MANIFEST_CASES = 150
STATE_CASES = 75
_FUZZ = {"deadline": None, "derandomize": True, "database": None}
_ONE_REPO = [HealthCheck.function_scoped_fixture]  # one repository serves every example of a test


def clean_failure(result: Any) -> None:
    """Exit 0 or 2; nothing a person cannot act on."""
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output


def test_8_a_copy_through_a_tracked_link_out_of_the_worktree_is_not_made(cli: Any, project: Any) -> None:
    header = HEADER + '[worktree]\ncopy = ["cfg/app.env", ".env"]\n'
    repo = project(efforts('id = "a"', 'id = "b"'), header=header)
    name = f"shared-{repo.path.name}"
    shared = repo.path.parent / name
    shared.mkdir()
    (shared / "app.env").write_text("SECRET=1\n")
    os.symlink(f"../{name}", repo.path / "cfg")
    repo.commit("a link to the shared configuration")
    (repo.path / ".env").write_text("K=1\n")
    outside = worktree_root(repo) / name  # where the worktree's `cfg` link leads
    outside.mkdir(parents=True)
    result = cli("-C", repo.path, "create-wave", "1", "--json")
    assert result.exit_code == 0, result.output
    assert list(outside.iterdir()) == []
    note = "copy: cfg/app.env was not copied: a symbolic link on its way leads outside the worktree"
    assert '"' + note + '"' in result.stdout
    assert (wt(repo, "b").path / ".env").read_text() == "K=1\n"  # later copies and efforts go on
    shutil.rmtree(shared)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            'copy = [".git/config"]',
            "wtorch.toml:5: 'worktree.copy': '.git/config' must be relative to the main worktree, "
            "without '..' or '.git'",
        ),
        ('copy = ["' + "x" * 300 + '"]', "wtorch.toml:5: 'worktree.copy': '" + "x" * 300 + "' has a name of 300 bytes"),
    ],
)
def test_8_9_copy_paths_are_checked_up_front(cli: Any, project: Any, line: str, message: str) -> None:
    repo = project(efforts('id = "a"'), header=HEADER + "[worktree]\n" + line + "\n")
    result = cli("create-wave", "1", cwd=repo.path)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


@pytest.mark.parametrize(
    ("template", "why"),
    [
        ("../../../x/{id}", "whose worktree root '{up3}' is outside '{parent}', where worktrees may go"),
        (
            "/tmp/x/{id}",
            "from an absolute template: write it relative to the main worktree (e.g. ../{{repo}}-worktrees/{{id}})",
        ),
        ("../wt/{id}\\u0000x", "which contains a control character"),
        ("../wt/" + "y" * 300 + "{id}", "which cannot be created: it has a component of 301 bytes (at most 255)"),
    ],
)
def test_8_9_a_worktree_template_keeps_worktrees_beside_the_repository(
    cli: Any, project: Any, template: str, why: str
) -> None:
    repo = project(efforts('id = "a"'), header=HEADER + f'worktree_template = "{template}"\n')
    result = cli("plan", cwd=repo.path)
    assert result.exit_code == 2, result.output
    parent = repo.path.parent
    expected = why.format(up3=Path(os.path.normpath(repo.path / "../../../x")), parent=parent)
    assert result.stderr.startswith("wtorch.toml:4: 'project.worktree_template' gives '")
    assert result.stderr.rstrip("\n").endswith(expected)


def test_9_a_branch_template_too_long_for_a_file_name(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'), header=HEADER + f'branch_template = "f/{"b" * 300}{{id}}"\n')
    result = cli("-C", repo.path, "create-wave", "1")
    assert result.exit_code == 2
    assert "which is not a valid branch name: it has a component of 301 bytes (at most 255)" in result.stderr


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"version = 1\n\xff\xfe", "not UTF-8 text at byte 12"),
        (b"version = 1\n[efforts.a]\nbranch = 5\n", "'branch' is 5"),
        (b"version = 1\n[[operations]]\n", "'number' is missing"),
        (b'version = 1\n[[operations]]\nnumber = "1"\ncommand = "x"\nat = "t"\n', "'number' is '1'"),
        (b"version = 1\nsplits = { b = [1] }\n", "'splits' is {'b': [1]}"),
        (b"version = 1\nx = " + b"[" * 490 + b"]" * 490 + b"\n", "nested too deeply"),
    ],
)
def test_9_a_damaged_state_file_is_a_usage_error(cli: Any, project: Any, content: bytes, why: str) -> None:
    repo = project(efforts('id = "a"'))
    state = repo.path / ".git" / "wtorch" / "state.toml"
    state.parent.mkdir()
    state.write_bytes(content)
    for command in ("status", "create-wave"):
        result = cli("-C", repo.path, command, *(["1"] if command == "create-wave" else []))
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"wtorch: {state} is damaged ({why}); delete it to rebuild (explicit marks are lost)\n"
        )


def test_9_a_manifest_nested_too_deeply(cli: Any, project: Any) -> None:
    repo = project("x = " + "[" * 490 + "]" * 490 + "\n")
    result = cli("plan", cwd=repo.path)
    assert result.exit_code == 2
    assert result.stderr == "wtorch.toml: invalid TOML: tables or arrays nested too deeply\n"


def test_9_a_manifest_path_too_long(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    result = cli("-C", repo.path, "--manifest", "m" * 300 + ".toml", "plan")
    assert result.exit_code == 2
    assert result.stderr == f"wtorch: cannot use the manifest path {('m' * 300)[:80]}...: File name too long\n"


@pytest.mark.parametrize("args", [("gate", "main\nx", "--base", "main"), ("gate", "HEAD", "--base", "main\nx")])
def test_9_a_line_break_in_a_branch_or_base_is_an_unknown_name(cli: Any, project: Any, args: tuple[str, ...]) -> None:
    repo = project(efforts('id = "a"'))
    result = cli("-C", repo.path, *args)
    clean_failure(result)
    assert result.exit_code == 2 and "unknown" in result.stderr


def test_9_a_line_break_in_a_split_target(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    result = cli("-C", repo.path, "split", "a\nb")
    assert result.exit_code == 2 and "unknown branch or effort 'a\nb'" in result.stderr


# Fuzzing ------------------------------------------------------------------------------------------

_KEYS = [
    "version",
    "project",
    "name",
    "base",
    "remote",
    "gate",
    "max_lines",
    "count",
    "exclude",
    "sync",
    "strategy",
    "worktree",
    "copy",
    "setup",
    "validate",
    "command",
    "effort",
    "id",
    "wave",
    "depends_on",
    "estimate",
    "paths",
    "owner",
    "branch_template",
    "worktree_template",
    "split_template",
    "defunct_template",
    "max_parallel",
    "title",
]
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)
_SCALARS = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
    _TEXT,
    st.sampled_from(["a", "b", "main", "{id}", "../{id}", "rebase"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(_KEYS) | _TEXT, inner, max_size=4)
    ),
    max_leaves=20,
)
_MANIFESTS = st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=6)


@settings(max_examples=MANIFEST_CASES, suppress_health_check=_ONE_REPO, **_FUZZ)
@given(
    document=_MANIFESTS,
    cut=st.integers(0, 400),
    raw=st.binary(max_size=60),
    how=st.sampled_from(["toml", "cut", "bytes"]),
)
def test_fuzzed_manifests_end_in_a_clear_answer(
    cli: Any, project: Any, tmp_path: Path, document: dict[str, Any], cut: int, raw: bytes, how: str
) -> None:
    base = HEADER + efforts('id = "a"', 'id = "b"\ndepends_on = ["a"]')
    text = {"toml": tomli_w.dumps(document), "cut": base[:cut], "bytes": ""}[how]
    path = tmp_path / "fuzzed.toml"
    path.write_bytes(raw if how == "bytes" else text.encode("utf-8", "surrogateescape"))
    clean_failure(cli("-C", tmp_path, "--manifest", path, "plan", "--format", "json"))


_RECORD = st.dictionaries(
    st.sampled_from(["branch", "base_commit", "worktree", "setup", "mark", "tip"]), _VALUES, max_size=3
)
_OPERATION = st.dictionaries(
    st.sampled_from(["number", "command", "at", "refs", "finished", "steps", "records", "undoes", "pushes"]),
    _VALUES,
    max_size=6,
)
_STATES = st.fixed_dictionaries(
    {"version": st.just(1)},
    optional={
        "efforts": st.dictionaries(st.sampled_from(["a", "b"]), _RECORD | _VALUES, max_size=2),
        "splits": _VALUES,
        "operations": st.lists(_OPERATION, max_size=3),
        "integrations": _VALUES,
    },
)


@settings(max_examples=STATE_CASES, suppress_health_check=_ONE_REPO, **_FUZZ)
@given(
    document=_STATES,
    cut=st.integers(0, 2000),
    raw=st.binary(max_size=60),
    how=st.sampled_from(["toml", "cut", "bytes"]),
)
def test_fuzzed_state_files_end_in_a_clear_answer(
    cli: Any, project: Any, document: dict[str, Any], cut: int, raw: bytes, how: str
) -> None:
    repo = fuzz_repo(cli, project)
    state = repo.path / ".git" / "wtorch" / "state.toml"
    good = fuzz_repo.good  # type: ignore[attr-defined]
    content = {"toml": tomli_w.dumps(document).encode(), "cut": good[:cut], "bytes": raw}[how]
    state.write_bytes(content)
    for args in (("log", "--json"), ("status", "--json")):
        clean_failure(cli("-C", repo.path, *args))


def fuzz_repo(cli: Any, project: Any) -> Any:
    """One repository for all the examples of a test (hypothesis calls the test body many times)."""
    repo = project(efforts('id = "a"', 'id = "b"'))
    if not (repo.path / ".git" / "wtorch" / "state.toml").exists() or not hasattr(fuzz_repo, "good"):
        assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
        assert cli("-C", repo.path, "defunct", "b", "--reason", "x").exit_code == 0
        fuzz_repo.good = (repo.path / ".git" / "wtorch" / "state.toml").read_bytes()  # type: ignore[attr-defined]
    return repo
