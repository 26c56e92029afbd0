"""`wtorch split --apply --push` with a real bare remote: the chunk branches published with upstream
tracking, the `gh pr create` line of each stacked pull request, refusals, a failed push finished by
running the same command again, --force on a lease, and undo."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from typing import Any

import pytest

from tests.gitutil import Repo, efforts, lines

HEADER = 'version = 1\n[project]\nname = "demo"\nremote = "origin"\n'
NAMES = [f"feature/demo/x-{n}-split" for n in (1, 2, 3)]
SPLIT = ("split", "x", "--max-lines", "70", "--apply")


@pytest.fixture
def stack(project: Any, make_repo: Callable[..., Repo]) -> tuple[Repo, Repo]:
    """(repo, remote): effort x's branch changes three 60-line files, one per directory: three chunks."""
    remote = make_repo(bare=True)
    repo: Repo = project(efforts('id = "x"'), header=HEADER)
    repo.git("remote", "add", "origin", str(remote.path))
    repo.git("push", "-q", "origin", "main")
    repo.git("checkout", "-q", "-b", "feature/demo/x")
    repo.commit("big", {f"pkg{i}/mod.py": lines(60, f"v{i}") for i in range(3)})
    repo.git("checkout", "-q", "main")
    return repo, remote


def on_remote(remote: Repo) -> dict[str, str]:
    out = remote.git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/feature/demo/")
    return dict(line.split(" ") for line in out.splitlines())


def upstream(repo: Repo, branch: str) -> tuple[str, str]:
    get = lambda key: repo.git("config", "--get", f"branch.{branch}.{key}").strip()  # noqa: E731
    return get("remote"), get("merge")


def gh_lines(names: list[str], base: str = "main", what: str = "x") -> list[str]:
    lines_ = []
    for n, (head, onto) in enumerate(zip(names, [base, *names], strict=False), start=1):
        body = f"Part {n} of 3 of feature/demo/x, cut by `wtorch split`."
        if n > 1:
            body += f" Stacked on {onto}: review and merge that first."
        argv = ["gh", "pr", "create", "--base", onto, "--head", head, "--title", f"{what} ({n}/3): pkg{n - 1}"]
        lines_.append(shlex.join([*argv, "--body", body]))
    return lines_


def test_push_publishes_every_chunk_with_upstream_and_prints_the_stacked_pull_requests(
    cli: Any, stack: tuple[Repo, Repo]
) -> None:
    repo, remote = stack
    result = cli("-C", repo.path, *SPLIT, "--push")
    assert result.exit_code == 0, result.output
    assert on_remote(remote) == {name: repo.rev(name) for name in NAMES}
    assert all(upstream(repo, name) == ("origin", f"refs/heads/{name}") for name in NAMES)
    assert all(repo.rev(f"origin/{name}") == repo.rev(name) for name in NAMES)
    text = result.stdout.splitlines()
    start = text.index("Pushed to origin with upstream tracking. The stacked pull requests, bottom first:")
    assert text[start + 1 :] == gh_lines(NAMES)
    assert gh_lines(NAMES)[0] == (
        "gh pr create --base main --head feature/demo/x-1-split --title 'x (1/3): pkg0' "
        "--body 'Part 1 of 3 of feature/demo/x, cut by `wtorch split`.'"
    )


def test_json_has_the_pushed_branches_and_the_commands(cli: Any, stack: tuple[Repo, Repo]) -> None:
    repo, _ = stack
    result = cli("-C", repo.path, *SPLIT, "--push", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["push"] == {"remote": "origin", "branches": NAMES, "error": None, "pull_requests": gh_lines(NAMES)}
    plain = json.loads(cli("-C", repo.path, "split", "x", "--max-lines", "70", "--json").stdout)
    assert plain["push"] is None


def test_push_needs_apply(cli: Any, stack: tuple[Repo, Repo]) -> None:
    repo, _ = stack
    result = cli("-C", repo.path, "split", "x", "--max-lines", "70", "--push")
    assert result.exit_code == 2
    assert result.stderr == "wtorch: --push publishes the chunk branches, so it needs --apply\n"


def test_push_without_project_remote_is_refused_before_anything_is_made(cli: Any, project: Any) -> None:
    repo: Repo = project(efforts('id = "x"'))
    repo.git("checkout", "-q", "-b", "feature/demo/x")
    repo.commit("big", {f"pkg{i}/mod.py": lines(60, f"v{i}") for i in range(3)})
    repo.git("checkout", "-q", "main")
    result = cli("-C", repo.path, *SPLIT, "--push")
    assert result.exit_code == 2 and result.stderr == "wtorch: --push needs project.remote in the manifest\n"
    assert repo.branches() == ["feature/demo/x", "main"]


def test_push_to_a_remote_the_repository_lacks_is_refused_before_anything_is_made(
    cli: Any, stack: tuple[Repo, Repo]
) -> None:
    repo, _ = stack
    repo.git("remote", "rename", "origin", "upstream")
    result = cli("-C", repo.path, *SPLIT, "--push")
    assert result.exit_code == 2
    assert result.stderr == (
        "wtorch: project.remote 'origin' is not a remote of this repository (remotes: upstream); "
        "add it with `git remote add origin URL`\n"
    )
    assert repo.branches() == ["feature/demo/x", "main"]
    state = repo.path / ".git" / "wtorch" / "state.toml"
    assert "x-1-split" not in (state.read_text() if state.exists() else "")  # no lineage, no log entry


def test_a_failed_push_keeps_the_split_and_the_same_command_run_again_finishes_it(
    cli: Any, stack: tuple[Repo, Repo], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, remote = stack
    hook = remote.path / ".git" / "hooks" / "update"
    hook.write_text('#!/bin/sh\ncase "$1" in *-2-split) echo "no chunk 2 today" >&2; exit 1;; esac\n')
    hook.chmod(0o755)
    failed = cli("-C", repo.path, *SPLIT, "--push", "--json")
    assert failed.exit_code == 1, failed.output
    data = json.loads(failed.stdout)
    tips = {name: repo.rev(name) for name in NAMES}
    assert [c["commit"] for c in data["chunks"]] == list(tips.values())  # the split itself is in place
    assert data["push"]["branches"] == [NAMES[0], NAMES[2]] and data["push"]["pull_requests"] == []
    assert data["push"]["error"].startswith("! [remote rejected] feature/demo/x-2-split -> feature/demo/x-2-split")
    assert on_remote(remote) == {NAMES[0]: tips[NAMES[0]], NAMES[2]: tips[NAMES[2]]}
    text = cli("-C", repo.path, "log").stdout
    hook.unlink()
    # Run again a minute later: commits made again would differ in their dates; the split's own are kept.
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-15T12:01:00+00:00")
    again = cli("-C", repo.path, *SPLIT, "--push")
    assert again.exit_code == 0, again.output
    assert {name: repo.rev(name) for name in NAMES} == tips
    assert on_remote(remote) == tips
    assert all(upstream(repo, name) == ("origin", f"refs/heads/{name}") for name in NAMES)
    assert gh_lines(NAMES)[2] in again.stdout.splitlines()
    log = json.loads(cli("-C", repo.path, "log", "--json").stdout)["operations"]
    assert len(log) == 1 and not log[0].get("interrupted"), text  # one entry: the failed run and its re-run


def test_the_push_failure_is_said_with_the_way_out(cli: Any, stack: tuple[Repo, Repo]) -> None:
    repo, remote = stack
    repo.git("remote", "set-url", "origin", str(remote.path) + "-missing")
    result = cli("-C", repo.path, *SPLIT, "--push")
    assert result.exit_code == 1
    text = result.stdout.splitlines()
    assert text[-2] == ("Run the same command again to push them (it carries on from this run), or push them yourself:")
    assert text[-1] == "git push --set-upstream origin " + " ".join(NAMES)
    assert all(name in repo.branches() for name in NAMES)


def test_force_replaces_the_published_chunks_on_a_lease_only(
    cli: Any, stack: tuple[Repo, Repo], make_repo: Callable[..., Repo], tmp_path: Any
) -> None:
    repo, remote = stack
    assert cli("-C", repo.path, *SPLIT, "--push").exit_code == 0
    repo.git("checkout", "-q", "feature/demo/x")
    repo.commit("more", {"pkg0/mod.py": lines(62, "v0")})
    repo.git("checkout", "-q", "main")
    forced = cli("-C", repo.path, *SPLIT, "--force", "--push")
    assert forced.exit_code == 0, forced.output
    assert on_remote(remote) == {name: repo.rev(name) for name in NAMES}
    # A colleague pushes a fixup onto chunk 2 that this clone has not fetched: a new --force refuses it.
    from tests.gitutil import git

    git(tmp_path, "clone", "-q", str(remote.path), "colleague")
    colleague = Repo(tmp_path / "colleague")
    colleague.git("checkout", "-q", NAMES[1])
    theirs = colleague.commit("review fixup", {"pkg1/fix.txt": "fix\n"})
    colleague.git("push", "-q", "origin", NAMES[1])
    repo.git("checkout", "-q", "feature/demo/x")
    repo.commit("even more", {"pkg0/mod.py": lines(63, "v0")})
    repo.git("checkout", "-q", "main")
    refused = cli("-C", repo.path, *SPLIT, "--force", "--push", "--json")
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["push"]["error"].startswith(f"! [rejected]        {NAMES[1]} -> {NAMES[1]}")
    assert on_remote(remote)[NAMES[1]] == theirs  # their commit was not overwritten


def test_undo_takes_the_chunks_back_from_the_remote_too(cli: Any, stack: tuple[Repo, Repo]) -> None:
    repo, remote = stack
    assert cli("-C", repo.path, *SPLIT, "--push").exit_code == 0
    undone = cli("-C", repo.path, "undo")
    assert undone.exit_code == 0, undone.output
    assert repo.branches() == ["feature/demo/x", "main"]
    assert on_remote(remote) == {}
    assert all(f"deleted origin/{name}" in undone.stdout for name in NAMES)


def test_a_failing_check_pushes_nothing(cli: Any, stack: tuple[Repo, Repo]) -> None:
    repo, remote = stack
    result = cli("-C", repo.path, *SPLIT, "--check", "test -f pkg2/mod.py", "--push")
    assert result.exit_code == 1
    assert on_remote(remote) == {}
    text = result.stdout.splitlines()
    assert text[-2:] == [
        "Not pushed to origin: the check failed. Once the chunks are fixed, push them:",
        "git push --set-upstream origin " + " ".join(NAMES),
    ]
    assert all(name in repo.branches() for name in NAMES)


def test_chunk_one_opens_on_the_base_as_the_remote_names_it(cli: Any, stack: tuple[Repo, Repo]) -> None:
    repo, _ = stack
    repo.git("fetch", "-q", "origin")
    result = cli("-C", repo.path, "split", "feature/demo/x", "--base", "origin/main", *SPLIT[2:], "--push")
    assert result.exit_code == 0, result.output
    assert gh_lines(NAMES)[0] in result.stdout.splitlines()
