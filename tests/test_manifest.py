"""wtorch.toml validation: every problem collected, each word for word with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from wtorch.errors import ManifestError
from wtorch.manifest import parse_manifest

ROOT = Path("/work/repo")
HEAD = 'version = 1\n[project]\nname = "demo"\n'


def problems(text: str) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        parse_manifest(text, path=Path("wtorch.toml"), root=ROOT, repo_name="repo")
    return caught.value.problems


def load(text: str):  # type: ignore[no-untyped-def]
    return parse_manifest(text, path=Path("wtorch.toml"), root=ROOT, repo_name="repo")


def test_minimal_manifest_gets_the_documented_defaults() -> None:
    m = load(HEAD + '[[effort]]\nid = "a"\n')
    assert m.project.base == "main"
    assert m.gate.max_lines == 800 and m.gate.count == "changed"
    assert m.sync.strategy == "rebase"
    (a,) = m.efforts
    assert a.branch == "feature/demo/a"
    assert a.worktree == Path("/work/repo-worktrees/a")
    assert a.wave == 1 and a.title == "a"


def test_malformed_toml_reports_its_line() -> None:
    assert problems(HEAD + "[[effort]]\nid = \n") == ["wtorch.toml:5: invalid TOML: Invalid value"]


def test_unknown_keys_suggest_the_closest_valid_one() -> None:
    text = HEAD + 'bsae = "main"\n[gates]\n[[effort]]\nid = "a"\ndependson = []\n'
    assert problems(text) == [
        "wtorch.toml:4: unknown key 'bsae' in [project]; did you mean 'base'?",
        "wtorch.toml:5: unknown key 'gates' at the top level; did you mean 'gate'?",
        "wtorch.toml:8: unknown key 'dependson' in effort 'a'; did you mean 'depends_on'?",
    ]


def test_wrong_types_name_both_types() -> None:
    text = HEAD + 'max_parallel = "3"\n[gate]\nmax_lines = 8.5\n[[effort]]\nid = "a"\nestimate = "big"\n'
    assert problems(text) == [
        "wtorch.toml:4: 'project.max_parallel' must be an integer, not a string",
        "wtorch.toml:6: 'gate.max_lines' must be an integer, not a float",
        "wtorch.toml:9: effort 'a': 'estimate' must be an integer, not a string",
    ]


def test_missing_and_duplicate_and_invalid_ids() -> None:
    text = (
        HEAD
        + '[[effort]]\ntitle = "x"\n[[effort]]\nid = "a"\n[[effort]]\nid = "a"\n[[effort]]\nid = "--upload-pack=x"\n'
    )
    assert problems(text) == [
        "wtorch.toml:4: [[effort]] number 1 has no 'id'",
        "wtorch.toml:9: duplicate effort id 'a' (first at line 7)",
        "wtorch.toml:11: effort id '--upload-pack=x' is not valid: use lower-case letters, digits, '.', '_' "
        "and '-', starting with a letter or digit, at most 64 characters",
    ]


def test_unknown_dependency_suggests_a_close_id() -> None:
    text = HEAD + '[[effort]]\nid = "api-types"\n[[effort]]\nid = "b"\ndepends_on = ["api-type", "zzz"]\n'
    assert problems(text) == [
        "wtorch.toml:8: effort 'b' depends on unknown effort 'api-type'; did you mean 'api-types'?",
        "wtorch.toml:8: effort 'b' depends on unknown effort 'zzz'",
    ]


def test_a_cycle_names_every_effort_on_it() -> None:
    text = HEAD + (
        '[[effort]]\nid = "a"\ndepends_on = ["c"]\n'
        '[[effort]]\nid = "b"\ndepends_on = ["a"]\n'
        '[[effort]]\nid = "c"\ndepends_on = ["b"]\n'
        '[[effort]]\nid = "d"\ndepends_on = ["d"]\n'
    )
    assert problems(text) == [
        "wtorch.toml:6: dependency cycle: a -> c -> b -> a",
        "wtorch.toml:15: dependency cycle: d -> d",
    ]


def test_explicit_wave_not_after_its_dependency_says_which_wave_would_do() -> None:
    text = HEAD + (
        '[[effort]]\nid = "p6w1-synctarget-controller"\nwave = 1\n'
        '[[effort]]\nid = "p6w1-cluster-controller"\nwave = 1\ndepends_on = ["p6w1-synctarget-controller"]\n'
        '[[effort]]\nid = "late"\nwave = 3\n'
        '[[effort]]\nid = "early"\nwave = 2\ndepends_on = ["late"]\n'
    )
    assert problems(text) == [
        "wtorch.toml:9: effort 'p6w1-cluster-controller' is declared wave 1 but depends on "
        "'p6w1-synctarget-controller', which is in the same wave 1; put it in wave 2 or later",
        "wtorch.toml:16: effort 'early' is declared wave 2 but depends on 'late', which is in wave 3; "
        "put it in wave 4 or later",
    ]


def test_derived_waves_follow_dependencies() -> None:
    m = load(
        HEAD + '[[effort]]\nid = "a"\n[[effort]]\nid = "b"\ndepends_on = ["a"]\n'
        '[[effort]]\nid = "c"\nwave = 5\n[[effort]]\nid = "d"\ndepends_on = ["c", "b"]\n'
    )
    assert {e.id: e.wave for e in m.efforts} == {"a": 1, "b": 2, "c": 5, "d": 6}


def test_unknown_placeholder_lists_the_valid_ones() -> None:
    text = 'version = 1\n[project]\nname = "demo"\nbranch_template = "feature/{team}/{id}"\n'
    assert problems(text) == [
        "wtorch.toml:4: 'project.branch_template': unknown placeholder '{team}'; "
        "use {project}, {id}, {wave}, {owner}, {repo}"
    ]


def test_template_yielding_an_invalid_branch_name() -> None:
    text = 'version = 1\n[project]\nname = "demo"\nbranch_template = "feature/{id}.lock"\n[[effort]]\nid = "a"\n'
    assert problems(text) == [
        "wtorch.toml:4: 'project.branch_template' gives 'feature/a.lock' for effort 'a', which is not a valid "
        "branch name: component 'a.lock' ends with '.lock'"
    ]


def test_worktree_template_escaping_its_root() -> None:
    text = (
        'version = 1\n[project]\nname = "demo"\nworktree_template = "../wt/{owner}"\n'
        '[[effort]]\nid = "a"\nowner = "x"\n[[effort]]\nid = "b"\nowner = "x"\n'
    )
    assert problems(text) == [
        "wtorch.toml:8: efforts 'a' and 'b' get the same worktree '/work/wt/x'",
    ]
    text = 'version = 1\n[project]\nname = "demo"\nworktree_template = "../wt/{id}/.."\n[[effort]]\nid = "a"\n'
    assert problems(text) == [
        "wtorch.toml:4: 'project.worktree_template' gives '/work/wt' for effort 'a', which is not inside the "
        "worktree root '/work/wt'"
    ]


def test_owner_used_by_a_template_must_be_set_and_safe() -> None:
    text = (
        'version = 1\n[project]\nname = "demo"\nbranch_template = "{owner}/{id}"\n'
        '[[effort]]\nid = "a"\n[[effort]]\nid = "b"\nowner = "../../etc"\n'
    )
    assert problems(text) == [
        "wtorch.toml:5: effort 'a' has no owner, which 'project.branch_template' uses",
        "wtorch.toml:9: effort 'b': owner '../../etc' is not valid: use letters, digits, '.', '_' and '-', "
        "starting with a letter or digit, at most 64 characters",
    ]


def test_non_positive_numbers() -> None:
    text = HEAD + 'max_parallel = 0\n[gate]\nmax_lines = -1\n[[effort]]\nid = "a"\nestimate = 0\nwave = 0\n'
    assert problems(text) == [
        "wtorch.toml:4: 'project.max_parallel' must be positive, not 0",
        "wtorch.toml:6: 'gate.max_lines' must be positive, not -1",
        "wtorch.toml:9: effort 'a': 'estimate' must be positive, not 0",
        "wtorch.toml:10: effort 'a': 'wave' must be positive, not 0",
    ]


def test_enumerations_version_and_project() -> None:
    assert problems('version = 2\n[project]\nname = "d"\n[gate]\ncount = "lines"\n[sync]\nstrategy = "squash"\n') == [
        "wtorch.toml:1: 'version' must be 1 (the manifest version this wtorch reads), not 2",
        'wtorch.toml:5: \'gate.count\' must be "changed" or "added", not "lines"',
        'wtorch.toml:7: \'sync.strategy\' must be "rebase" or "merge", not "squash"',
    ]
    assert problems("[gate]\n") == [
        "wtorch.toml: missing 'version = 1' at the top of the manifest",
        'wtorch.toml: missing [project] table (with at least name = "...")',
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = HEAD + 'colour = 1\n[[effort]]\nid = "A"\n[[effort]]\nid = "b"\ndepends_on = ["nope"]\nestimate = -3\n'
    assert len(problems(text)) == 4


def test_paths_must_stay_inside_the_repository() -> None:
    assert problems(HEAD + '[[effort]]\nid = "a"\npaths = ["../x", "ok/"]\n') == [
        "wtorch.toml:6: effort 'a': path '../x' must be relative to the repository root, without '..'"
    ]


def test_multiline_arrays_and_comments_keep_line_numbers_right() -> None:
    text = (
        HEAD + '# a comment with depends_on = [\n[[effort]]\nid = "a"\npaths = [\n  "x/",\n  "y/",\n]\nestimate = -1\n'
    )
    assert problems(text) == ["wtorch.toml:11: effort 'a': 'estimate' must be positive, not -1"]


def test_gate_exclude_patterns_are_checked_up_front() -> None:
    assert problems(HEAD + '[gate]\nexclude = ["vendor/**", "!keep.go"]\n') == [
        "wtorch.toml:5: 'gate.exclude': '!keep.go': negation ('!') is not supported; list only what to exclude"
    ]


def test_worktree_copy_paths_stay_inside() -> None:
    assert problems(HEAD + '[worktree]\ncopy = [".env", "../escape.txt", "/etc/passwd"]\n') == [
        "wtorch.toml:5: 'worktree.copy': '../escape.txt' must be relative to the main worktree, without '..' or '.git'",
        "wtorch.toml:5: 'worktree.copy': '/etc/passwd' must be relative to the main worktree, without '..' or '.git'",
    ]


def test_a_cycle_does_not_hide_the_other_problems() -> None:
    text = HEAD.replace('name = "demo"\n', 'name = "demo"\nbranch_template = "x/{id}.lock"\n') + (
        '[[effort]]\nid = "a"\ndepends_on = ["b"]\n'
        '[[effort]]\nid = "b"\ndepends_on = ["a"]\n'
        '[[effort]]\nid = "c"\nwave = 1\ndepends_on = ["d"]\n'
        '[[effort]]\nid = "d"\nwave = 1\n'
    )
    assert problems(text) == [
        "wtorch.toml:4: 'project.branch_template' gives 'x/a.lock' for effort 'a', which is not a valid branch "
        "name: component 'a.lock' ends with '.lock'",
        "wtorch.toml:7: dependency cycle: a -> b -> a",
        "wtorch.toml:13: effort 'c' is declared wave 1 but depends on 'd', which is in the same wave 1; "
        "put it in wave 2 or later",
    ]


def test_an_effort_branch_may_not_be_the_base_nor_a_worktree_inside_git() -> None:
    text = 'version = 1\n[project]\nname = "demo"\nbranch_template = "{id}"\n[[effort]]\nid = "main"\n'
    assert problems(text) == ["wtorch.toml:5: effort 'main' gets the branch 'main', which is project.base"]
    text = (
        'version = 1\n[project]\nname = "demo"\nworktree_template = "{id}/../.git/hooks/{id}"\n[[effort]]\nid = "a"\n'
    )
    assert problems(text) == [
        "wtorch.toml:4: 'project.worktree_template' gives '/work/repo/.git/hooks/a' for effort 'a', "
        "which is inside the repository's .git directory"
    ]
