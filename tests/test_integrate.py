"""`wtorch integrate` on real repositories: the conflict matrix, the in-order verdict, --branch, and
that nothing else is touched."""

from __future__ import annotations

import itertools
import json
import random
import shutil
from pathlib import Path
from typing import Any

from tests.gitutil import Repo, efforts, lines, wt
from wtorch.state import StateStore

FOUR = efforts('id = "a"', 'id = "b"', 'id = "c"', 'id = "d"')


def integrate(cli: Any, repo: Repo, *args: str) -> tuple[int, dict[str, Any]]:
    result = cli("-C", repo.path, "integrate", *args, "--json")
    data = json.loads(result.stdout)
    assert data["schema"] == 1
    return result.exit_code, data


def four_with_one_clash(cli: Any, project: Any) -> Repo:
    """Wave 1 of a, b, c, d: a and b change the same lines of shared.txt; c and d touch other files."""
    repo = project(FOUR)
    repo.commit("shared", {"shared.txt": lines(20), "other.txt": lines(20, "other"), "pkg/mod.py": "x = 1\n"})
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "a").commit("a", {"shared.txt": lines(20).replace("line 5\n", "from a\n"), "a.txt": "a\n"})
    wt(repo, "b").commit("b", {"shared.txt": lines(20).replace("line 5\n", "from b\n"), "pkg/b.py": "b\n"})
    wt(repo, "c").commit("c", {"other.txt": lines(20, "other").replace("other 3\n", "c\n"), "c.txt": "c\n"})
    wt(repo, "d").commit("d", {"pkg/mod.py": "x = 2\n", "docs/d.md": "d\n"})
    return repo


def snapshot(repo: Repo) -> dict[str, Any]:
    """Everything integrate must leave alone: refs, HEAD, and each worktree's index, files and status."""
    taken: dict[str, Any] = {
        "refs": repo.git("for-each-ref", "--format=%(refname) %(objectname)"),
        "HEAD": repo.rev("HEAD"),
        "symbolic": repo.git("symbolic-ref", "HEAD"),
    }
    listing = repo.git("worktree", "list", "--porcelain").splitlines()
    for path in (Path(line.removeprefix("worktree ")) for line in listing if line.startswith("worktree ")):
        tree = Repo(path)
        files = {
            str(f.relative_to(path)): f.read_bytes()
            for f in sorted(path.rglob("*"))
            if f.is_file() and ".git" not in f.relative_to(path).parts
        }
        taken[str(path)] = (tree.git("ls-files", "-s"), tree.git("status", "--porcelain"), tree.rev("HEAD"), files)
    return taken


def test_four_efforts_only_the_clashing_pair_is_named_and_nothing_is_touched(cli: Any, project: Any) -> None:
    repo = four_with_one_clash(cli, project)
    before = snapshot(repo)
    code, data = integrate(cli, repo, "1")
    assert code == 1
    assert [e["id"] for e in data["efforts"]] == ["a", "b", "c", "d"]
    assert all(e["alone"] == {"merges": True, "files": []} for e in data["efforts"])
    assert data["pairs"] == [{"efforts": ["a", "b"], "files": ["shared.txt"], "via": "base"}]
    assert data["pairs_merged"] + data["pairs_disjoint"] == 6
    assert data["merges_in_order"] is False
    assert (data["failed_at"], data["failed_files"]) == ("b", ["shared.txt"])
    assert (data["base"], data["base_commit"], data["branch"], data["commit"]) == ("main", repo.rev("main"), None, None)
    assert snapshot(repo) == before
    repo.fsck()


def test_the_text_report_shows_the_matrix_the_pair_and_the_verdict(cli: Any, project: Any) -> None:
    repo = four_with_one_clash(cli, project)
    result = cli("-C", repo.path, "integrate", "1")
    assert result.exit_code == 1
    out = result.stdout
    assert f"Integrate wave 1 onto main ({repo.rev('main')[:10]})" in out
    assert "a \N{MULTIPLICATION SIGN} b: shared.txt\n" in out
    assert "6 pairs: 1 conflicting;" in out
    assert "In dependency order (as numbered): merging b (2 of 4) fails on shared.txt.\n" in out
    matrix = [line for line in out.splitlines() if line.startswith("│") and " - " in line]
    assert [row.count(" x ") for row in matrix] == [1, 1, 0, 0]


def test_a_clean_wave_exits_0_and_records_its_verdict(cli: Any, project: Any) -> None:
    repo = four_with_one_clash(cli, project)
    wt(repo, "b").commit("b gives way", {"shared.txt": lines(20)})
    code, data = integrate(cli, repo, "1")
    assert code == 0 and data["pairs"] == [] and data["merges_in_order"] is True and data["failed_at"] is None
    record = StateStore(repo.path / ".git").read().integrations[1]
    assert record.base == repo.rev("main") and record.merges_in_order and record.failed_at is None
    assert record.tips == {i: repo.rev(f"feature/demo/{i}") for i in "abcd"}
    assert record.conflicts == []
    assert "wtorch integrate" not in cli("-C", repo.path, "log").stdout  # no ref moved: no log entry


def test_the_state_records_a_conflicting_verdict(cli: Any, project: Any) -> None:
    repo = four_with_one_clash(cli, project)
    assert integrate(cli, repo, "1")[0] == 1
    record = StateStore(repo.path / ".git").read().integrations[1]
    assert (record.wave, record.conflicts, record.merges_in_order, record.failed_at) == (1, [["a", "b"]], False, "b")


def test_branch_holds_every_effort_one_merge_commit_each_and_undo_deletes_it(cli: Any, project: Any) -> None:
    repo = four_with_one_clash(cli, project)
    wt(repo, "b").commit("b gives way", {"shared.txt": lines(20)})
    before = snapshot(repo)
    code, data = integrate(cli, repo, "1", "--branch", "integration/wave-1")
    assert code == 0 and data["branch"] == "integration/wave-1"
    assert data["commit"] == repo.rev("integration/wave-1")
    tree = repo.git("ls-tree", "-r", "--name-only", "integration/wave-1").split()
    assert {"a.txt", "pkg/b.py", "c.txt", "docs/d.md"} <= set(tree)
    assert repo.git("show", "integration/wave-1:shared.txt") == lines(20).replace("line 5\n", "from a\n")
    assert repo.git("show", "integration/wave-1:pkg/mod.py") == "x = 2\n"
    history = repo.git("log", "--first-parent", "--format=%P%x09%s", "main..integration/wave-1").splitlines()[::-1]
    assert [h.split("\t")[1] for h in history] == [f"Merge effort {i} (feature/demo/{i})" for i in "abcd"]
    assert [h.split("\t")[0].split()[1] for h in history] == [repo.rev(f"feature/demo/{i}") for i in "abcd"]
    assert history[0].split()[0] == repo.rev("main")
    after = snapshot(repo)
    assert after.pop("refs") != before.pop("refs") and after == before  # only the new branch
    assert "integration/wave-1" in cli("-C", repo.path, "log").stdout
    undone = cli("-C", repo.path, "undo")
    assert undone.exit_code == 0, undone.output
    assert (
        undone.stdout
        == "undid 2: wtorch integrate 1 --branch integration/wave-1 --json\n  deleted integration/wave-1\n"
    )
    assert "integration/wave-1" not in repo.branches()


def test_branch_with_a_conflict_writes_nothing(cli: Any, project: Any) -> None:
    repo = four_with_one_clash(cli, project)
    before = snapshot(repo)
    code, data = integrate(cli, repo, "1", "--branch", "integration/wave-1")
    assert code == 1 and data["commit"] is None and data["branch"] == "integration/wave-1"
    assert snapshot(repo) == before
    text = cli("-C", repo.path, "integrate", "1", "--branch", "integration/wave-1")
    assert text.exit_code == 1
    assert "Branch integration/wave-1 not written: the wave does not merge cleanly.\n" in text.stdout
    assert snapshot(repo) == before


def test_branch_must_be_new_and_valid(cli: Any, project: Any) -> None:
    repo = four_with_one_clash(cli, project)
    before = snapshot(repo)
    taken = cli("-C", repo.path, "integrate", "1", "--branch", "feature/demo/a")
    assert taken.exit_code == 2
    assert taken.stderr == "wtorch: branch feature/demo/a already exists: name a new branch, or delete that one first\n"
    beside = cli("-C", repo.path, "integrate", "1", "--branch", "main/wave-1")
    assert beside.exit_code == 2
    assert (
        beside.stderr == "wtorch: branch main/wave-1 cannot be created beside the existing branch main: name another\n"
    )
    bad = cli("-C", repo.path, "integrate", "1", "--branch", "wave..1")
    assert bad.exit_code == 2
    assert bad.stderr == "wtorch: --branch 'wave..1' is not a valid branch name: it contains '..'\n"
    assert snapshot(repo) == before


def test_unknown_wave_is_a_usage_error(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"\ndepends_on = ["a"]'))
    result = cli("-C", repo.path, "integrate", "7")
    assert result.exit_code == 2 and result.stderr == "wtorch: there is no wave 7 in the manifest (waves: 1, 2)\n"


def test_a_wave_with_nothing_to_merge_says_so_and_exits_0(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"'))
    result = cli("-C", repo.path, "integrate", "1", "--branch", "integration/wave-1")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "skipped a (feature/demo/a): planned: no branch yet (`wtorch create-wave 1` creates it)",
        "skipped b (feature/demo/b): planned: no branch yet (`wtorch create-wave 1` creates it)",
        "Nothing to integrate: no effort of wave 1 has commits to merge.",
        "Branch integration/wave-1 not written: nothing to merge.",
    ]
    assert "integration/wave-1" not in repo.branches()
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    code, data = integrate(cli, repo, "1")
    assert code == 0 and data["efforts"] == [] and data["pairs"] == [] and data["merges_in_order"] is True
    assert [s["why"] for s in data["skipped"]] == ["nothing to merge: no change beyond main yet"] * 2


def test_stacked_effort_brings_its_unfinished_parent_in(cli: Any, project: Any) -> None:
    repo = project(
        efforts(
            'id = "p"',
            'id = "q"',
            'id = "c"\ndepends_on = ["p"]',
            'id = "s"\ndepends_on = ["p"]',
            'id = "idle"\ndepends_on = ["p"]',
        )
    )
    repo.commit("base", {"p.txt": lines(5)})
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "p").commit("p", {"p.txt": lines(5).replace("line 2\n", "parent\n")})
    wt(repo, "q").commit("q", {"q.txt": "q\n"})
    assert cli("-C", repo.path, "create-wave", "2").exit_code == 0
    # Both children change the parent's line again, differently: they conflict with each other,
    # but neither conflicts with the parent it is built on.
    wt(repo, "c").commit("c", {"p.txt": lines(5).replace("line 2\n", "child c\n")})
    wt(repo, "s").commit("s", {"p.txt": lines(5).replace("line 2\n", "child s\n")})
    code, data = integrate(cli, repo, "2")
    assert code == 1
    assert [(e["id"], e["wave"], e["brought_in_by"]) for e in data["efforts"]] == [
        ("p", 1, "c"),
        ("c", 2, None),
        ("s", 2, None),
    ]
    assert [e["stacked_on"] for e in data["efforts"]] == [None, "p", "p"]
    assert data["pairs"] == [{"efforts": ["c", "s"], "files": ["p.txt"], "via": "branches"}]
    assert data["skipped"] == [
        {"id": "idle", "branch": "feature/demo/idle", "why": "nothing to merge: no change beyond feature/demo/p yet"}
    ]
    assert (data["failed_at"], data["failed_files"]) == ("s", ["p.txt"])
    wt(repo, "s").commit("s gives way", {"p.txt": lines(5).replace("line 2\n", "child c\n")})
    code, data = integrate(cli, repo, "2", "--branch", "w2")
    assert code == 0 and data["pairs"] == []
    subjects = repo.git("log", "--first-parent", "--format=%s", "main..w2").splitlines()[::-1]
    assert subjects == [
        "Merge effort p (feature/demo/p)",
        "Merge effort c (feature/demo/c)",
        "Merge effort s (feature/demo/s)",
    ]


def test_deleted_complete_and_defunct_efforts_are_listed_not_merged(cli: Any, project: Any) -> None:
    names = ("a", "gone", "done", "squashed", "removed", "dead", "marked")
    repo = project(efforts(*(f'id = "{name}"' for name in names)))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    for name in names:
        wt(repo, name).commit(name, {f"{name}.txt": f"{name}\n"})
    repo.git("worktree", "remove", str(wt(repo, "gone").path))
    repo.git("branch", "-D", "feature/demo/gone")
    repo.git("merge", "-q", "--no-edit", "feature/demo/done")
    repo.git("merge", "-q", "--squash", "feature/demo/squashed")
    repo.commit("squashed")
    repo.git("merge", "-q", "--no-ff", "--no-edit", "feature/demo/removed")
    assert cli("-C", repo.path, "remove", "removed").exit_code == 0  # merged: its branch goes, its completion stays
    assert "feature/demo/removed" not in repo.branches()
    assert cli("-C", repo.path, "defunct", "dead", "--reason", "superseded").exit_code == 0
    assert cli("-C", repo.path, "complete", "marked").exit_code == 0
    code, data = integrate(cli, repo, "1")
    assert code == 0 and [e["id"] for e in data["efforts"]] == ["a"]
    assert [(s["id"], s["why"]) for s in data["skipped"]] == [
        ("gone", "missing: branch feature/demo/gone was deleted but the effort is not complete: nothing to merge"),
        ("done", "complete: already merged into main"),
        ("squashed", "complete: already squash-merged into main"),
        ("removed", "complete: already merged into main"),
        ("dead", "defunct: not merged"),
        ("marked", "complete: marked with `wtorch complete`, not merged"),
    ]
    assert data["skipped"][4]["branch"] == "feature/defunct-demo/dead"  # where defunct put it


def test_an_effort_that_does_not_merge_alone_is_named(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"'))
    repo.commit("shared", {"shared.txt": lines(5)})
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "a").commit("a", {"shared.txt": lines(5).replace("line 1\n", "a\n")})
    wt(repo, "b").commit("b", {"b.txt": "b\n"})
    repo.commit("main moves on", {"shared.txt": lines(5).replace("line 1\n", "main\n")})
    code, data = integrate(cli, repo, "1")
    assert code == 1
    assert [e["alone"] for e in data["efforts"]] == [
        {"merges": False, "files": ["shared.txt"]},
        {"merges": True, "files": []},
    ]
    assert data["pairs"] == [] and (data["failed_at"], data["failed_files"]) == ("a", ["shared.txt"])


TRICKY = {
    # id: (files written, paths removed) on top of the base below
    "renames-dir": ({"lib2/x.py": "x\n", "lib2/y.py": "y\n"}, ["lib/x.py", "lib/y.py"]),
    "adds-in-dir": ({"lib/z.py": "z\n"}, []),
    "file-at-dir": ({"tools": "a file now\n"}, []),
    "adds-under-tools": ({"tools/run.sh": "run\n"}, []),
    "renames-file": ({"doc/guide.md": lines(30, "guide")}, ["doc/readme.md"]),
    "edits-readme": ({"doc/readme.md": lines(30, "guide").replace("guide 7\n", "edited\n")}, []),
    "adds-same": ({"same.txt": "one\n"}, []),
    "adds-same-too": ({"same.txt": "two\n"}, []),
    "elsewhere": ({"far/away.txt": "far\n"}, []),
}


def test_the_shortcut_agrees_with_merging_every_pair(cli: Any, project: Any) -> None:
    """Directory renames, a file where a directory is added, renames against edits: the pairs the
    shortcut leaves unmerged are exactly the clean ones a plain merge-tree loop finds."""
    repo = project(efforts(*(f'id = "{name}"' for name in TRICKY)))
    repo.commit(
        "base",
        {"lib/x.py": "x\n", "lib/y.py": "y\n", "doc/readme.md": lines(30, "guide"), "keep.txt": "k\n"},
    )
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    for name, (files, removed) in TRICKY.items():
        tree = wt(repo, name)
        for path in removed:
            tree.git("rm", "-q", path)
        tree.commit(name, files)
    code, data = integrate(cli, repo, "1")
    expected = set()
    for a, b in itertools.combinations(TRICKY, 2):
        merged = repo.git("merge-tree", "--write-tree", f"feature/demo/{a}", f"feature/demo/{b}", check=False)
        if "CONFLICT" in merged:
            expected.add((a, b))
    assert {tuple(p["efforts"]) for p in data["pairs"]} == expected
    assert {
        ("renames-dir", "adds-in-dir"),
        ("file-at-dir", "adds-under-tools"),
        ("adds-same", "adds-same-too"),
    } <= expected
    assert ("renames-file", "edits-readme") not in expected  # git carries the edit over the rename
    files = {tuple(p["efforts"]): p["files"] for p in data["pairs"]}
    assert files["file-at-dir", "adds-under-tools"] == ["tools"]  # not git's `tools~<trial commit>`
    assert files["renames-dir", "adds-in-dir"] == ["lib2/z.py"]  # where the directory rename put it
    assert data["pairs_disjoint"] > 20 and code == 1


def _random_change(rng: random.Random, root: Path, n: int) -> None:
    """One to three random edits in the checkout at `root`: content, deletions, additions, renames of
    files and directories, a file turned into a directory and back."""
    for _ in range(rng.randint(1, 3)):
        listed = Repo(root).git("ls-files", "--cached", "--others", "-z").split("\0")
        files = sorted(root / name for name in listed if name and name != "wtorch.toml" and (root / name).is_file())
        op = rng.choice(
            ["edit", "edit", "delete", "add", "rename", "rename-dir", "file-to-dir", "dir-to-file", "chmod"]
        )
        target = rng.choice(files) if files else None
        if op == "edit" and target is not None:
            text = target.read_text().splitlines(keepends=True)
            text[rng.choice([0, len(text) - 1])] = f"edit {n}\n"
            target.write_text("".join(text))
        elif op == "delete" and target is not None:
            target.unlink()
        elif op == "add":
            place = root / rng.choice(["d1", "d2/sub", "fresh", "."]) / f"new{rng.randint(0, 2)}.txt"
            if not place.exists() and not any(p.is_file() for p in place.parents):
                place.parent.mkdir(parents=True, exist_ok=True)
                place.write_text(lines(8, f"new {n}"))
        elif op == "rename" and target is not None:
            moved = root / rng.choice(["d1", "d2", "moved"]) / target.name
            if not moved.exists() and not (moved.parent.exists() and moved.parent.is_file()):
                moved.parent.mkdir(parents=True, exist_ok=True)
                target.rename(moved)
        elif op == "rename-dir":
            source, dest = rng.choice([("d1", "d3"), ("d2/sub", "d2/moved"), ("d2/sub", "sub")])
            if (root / source).is_dir() and not (root / dest).exists():
                (root / source).rename(root / dest)
        elif op == "chmod" and target is not None:
            target.chmod(0o755)
        elif op == "file-to-dir" and (root / "f").is_file():
            (root / "f").unlink()
            (root / "f").mkdir()
            (root / "f" / "inner.txt").write_text(f"inner {n}\n")
        elif op == "dir-to-file" and (root / "g").is_dir():
            shutil.rmtree(root / "g")
            (root / "g").write_text(f"g {n}\n")


def _onto_main(repo: Repo, branch: str) -> str:
    """The branch merged onto main, as a commit on main: what integrate merges pairs over."""
    tree = repo.git("merge-tree", "--write-tree", "main", branch).split()[0]
    return repo.git("commit-tree", "-p", "main", "-m", f"{branch} onto main", tree).strip()


def test_the_shortcut_agrees_with_merging_every_pair_on_random_changes(cli: Any, project: Any) -> None:
    """Random waves, main moving on half-way (so some efforts are behind it): the pairs integrate
    reports are exactly those a merge of every pair, each landed on main, finds conflicting."""
    names = [f"e{i}" for i in range(7)]
    repo = project(efforts(*(f'id = "{name}"' for name in names)))
    base = {"d1/a.txt": lines(20, "a"), "d1/b.txt": lines(20, "b"), "d2/c.txt": lines(20, "c")}
    base |= {"d2/sub/e.txt": lines(20, "e"), "f": lines(20, "f"), "g/h.txt": lines(20, "h")}
    repo.commit("base", base)
    for seed in range(2):
        rng = random.Random(seed)
        for n, name in enumerate(names):
            if n == 3:
                repo.commit(f"main moves on (seed {seed})", {f"main/{seed}.txt": "main\n"})
            repo.git("checkout", "-q", "-B", f"feature/demo/{name}", "main")
            _random_change(rng, repo.path, n)
            repo.commit(f"{name} (seed {seed})")
        repo.git("checkout", "-q", "main")
        _, data = integrate(cli, repo, "1")
        landed = {name: _onto_main(repo, f"feature/demo/{name}") for name in names}
        expected = set()
        for a, b in itertools.combinations(names, 2):
            if "CONFLICT" in repo.git("merge-tree", "--write-tree", landed[a], landed[b], check=False):
                expected.add((a, b))
        assert {tuple(p["efforts"]) for p in data["pairs"]} == expected, seed
        assert data["pairs_merged"] + data["pairs_disjoint"] == 21
        assert expected and data["pairs_disjoint"], (seed, expected, data["pairs_disjoint"])  # a test of both sides
