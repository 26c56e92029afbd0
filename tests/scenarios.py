"""Small real repositories, each ready for one mutating command: what the kill-point suite interrupts.

Every builder makes `<root>/repo` (worktrees go to `<root>/repo-worktrees`, the default template)
and returns the command line to run there. They are as small as the command allows: few efforts,
small files, so that killing the command before each of its git calls stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from tests.gitutil import Repo, efforts, git, lines, wt

HEADER = 'version = 1\n[project]\nname = "demo"\n'


def wtorch(repo: Repo, *args: str) -> tuple[int, str]:
    """wtorch in-process (as the CLI runs it); its exit code and everything it printed."""
    from wtorch.cli import app

    result = CliRunner().invoke(app, ["-C", str(repo.path), *args], catch_exceptions=False)
    return result.exit_code, result.output


def ok(repo: Repo, *args: str) -> None:
    code, output = wtorch(repo, *args)
    assert code == 0, output


def new_project(root: Path, manifest: str) -> Repo:
    path = root / "repo"
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    repo = Repo(path)
    repo.commit("initial", {"README.md": "hello\n", "wtorch.toml": manifest})
    return repo


def create_wave(root: Path) -> list[str]:
    """Two efforts with a copied file, a copied directory and a setup command."""
    setup = '[worktree]\ncopy = [".env", "cfg"]\nsetup = ["echo ok > .setup-done"]\n'
    repo = new_project(root, HEADER + setup + efforts('id = "a"', 'id = "b"'))
    repo.commit("ignore", {".gitignore": ".env\ncfg/\n.setup-done\n"})
    repo.write(".env", "TOKEN=1\n")
    repo.write("cfg/one.txt", lines(50))
    repo.write("cfg/two.txt", "two\n")
    return ["create-wave", "1"]


def sync(root: Path) -> list[str]:
    """A stack (c on p) and an effort whose rebase conflicts (x): exit 1."""
    body = efforts('id = "p"', 'id = "c"\ndepends_on = ["p"]', 'id = "x"')
    repo = new_project(root, HEADER + body)
    repo.commit("shared", {"f.txt": "base\n"})
    ok(repo, "create-wave", "1")
    wt(repo, "p").commit("p", {"p.txt": "p\n"})
    ok(repo, "create-wave", "2")
    wt(repo, "c").commit("c", {"c.txt": "c\n"})
    wt(repo, "x").commit("x", {"f.txt": "mine\n"})
    repo.commit("upstream", {"f.txt": "theirs\n", "up.txt": "up\n"})
    return ["sync"]


def _split_branch(root: Path, header: str = HEADER) -> Repo:
    repo = new_project(root, header + efforts('id = "a"'))
    repo.git("branch", "feature/demo/a")
    files = {f"pkg{i}/mod.py": lines(60, f"v{i}") for i in range(3)}
    repo.git("checkout", "-q", "feature/demo/a")
    repo.commit("big", files)
    repo.git("checkout", "-q", "main")
    return repo


def split_apply(root: Path) -> list[str]:
    """A branch of three 60-line files, cut into three chunks of at most 70 lines."""
    _split_branch(root)
    return ["split", "a", "--max-lines", "70", "--apply"]


def split_push(root: Path) -> list[str]:
    """The same split applied, and its three chunk branches pushed with upstream tracking to a bare remote."""
    remote = root / "remote.git"
    git(root, "init", "-q", "--bare", str(remote))
    repo = _split_branch(root, HEADER + 'remote = "origin"\n')
    repo.git("remote", "add", "origin", str(remote))
    return ["split", "a", "--max-lines", "70", "--apply", "--push"]


def split_force(root: Path) -> list[str]:
    """The split applied, a review fixup committed on chunk 2, the branch grown: applied again with --force."""
    repo = _split_branch(root)
    ok(repo, "split", "a", "--max-lines", "70", "--apply")
    repo.git("checkout", "-q", "feature/demo/a-2-split")
    repo.commit("review fixup", {"pkg1/mod.py": lines(61, "v1")})
    repo.git("checkout", "-q", "feature/demo/a")
    repo.commit("more", {"pkg0/mod.py": lines(62, "v0")})
    repo.git("checkout", "-q", "main")
    return ["split", "a", "--max-lines", "70", "--apply", "--force"]


def _synced(root: Path) -> Repo:
    repo = new_project(root, HEADER + efforts('id = "a"', 'id = "b"'))
    ok(repo, "create-wave", "1")
    wt(repo, "a").commit("a", {"a.txt": "a\n"})
    wt(repo, "b").commit("b", {"b.txt": "b\n"})
    repo.commit("upstream", {"up.txt": "up\n"})
    return repo


def undo_sync(root: Path) -> list[str]:
    """Undo of a sync that moved two branches (their clean worktrees follow)."""
    ok(_synced(root), "sync")
    return ["undo"]


def undo_create(root: Path) -> list[str]:
    """Undo of a create-wave: two worktrees removed, two branches deleted."""
    repo = new_project(root, HEADER + efforts('id = "a"', 'id = "b"'))
    ok(repo, "create-wave", "1")
    return ["undo"]


def remove(root: Path) -> list[str]:
    """A merged effort: its worktree removed and its branch deleted."""
    repo = new_project(root, HEADER + efforts('id = "a"'))
    ok(repo, "create-wave", "1")
    wt(repo, "a").commit("a", {"a.txt": "a\n"})
    repo.git("merge", "-q", "--no-ff", "-m", "merge a", "feature/demo/a")
    return ["remove", "a"]


def prune(root: Path) -> list[str]:
    """A worktree deleted by hand (a stale entry) and a merged effort: prune --merged."""
    repo = _synced(root)
    repo.git("merge", "-q", "--no-ff", "-m", "merge b", "feature/demo/b")
    import shutil

    shutil.rmtree(wt(repo, "a").path)
    return ["prune", "--merged"]


def defunct(root: Path) -> list[str]:
    """An effort with work and a worktree, declared defunct: its branch renamed, kept."""
    repo = new_project(root, HEADER + efforts('id = "a"'))
    ok(repo, "create-wave", "1")
    wt(repo, "a").commit("a", {"a.txt": "a\n"})
    return ["defunct", "a", "--reason", "dropped"]


SCENARIOS: dict[str, Callable[[Path], list[str]]] = {
    "create-wave": create_wave,
    "sync": sync,
    "split --apply": split_apply,
    "split --apply --force": split_force,
    "split --apply --push": split_push,
    "undo (sync)": undo_sync,
    "undo (create-wave)": undo_create,
    "remove": remove,
    "prune": prune,
    "defunct": defunct,
}
