"""`wtorch gate`: which branches are over the line budget (SPEC §6). Exit 1 when any is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wtorch import git
from wtorch.counting import LineCount, count_many, weight
from wtorch.errors import EXIT_CHECK_FAILED, EXIT_OK, UsageError
from wtorch.git.diff import resolve_commits
from wtorch.manifest import Effort, GateConfig, Manifest

NO_MANIFEST_EXAMPLE = "wtorch gate --base origin/main HEAD"


@dataclass(frozen=True)
class GateRow:
    count: LineCount
    effort: str | None
    max_lines: int

    @property
    def over(self) -> bool:
        return self.count.lines > self.max_lines

    def to_json(self) -> dict[str, Any]:
        c = self.count
        return {
            "branch": c.branch,
            "effort": self.effort,
            "base": c.base,
            "merge_base": c.merge_base,
            "tip": c.tip,
            "lines": c.lines,
            "added": c.added,
            "deleted": c.deleted,
            "files": c.counted_files,
            "excluded": [{"path": f.path, "lines": weight(f, c.count), "why": f.excluded} for f in c.excluded],
            "binary": list(c.binary),
            "over": self.over,
        }


@dataclass(frozen=True)
class GateReport:
    max_lines: int
    count: str
    rows: tuple[GateRow, ...]
    skipped: tuple[str, ...] = ()
    """Efforts that have no branch yet (only when every effort, or a wave, was asked for)."""

    @property
    def over(self) -> tuple[str, ...]:
        return tuple(r.count.branch for r in self.rows if r.over)

    @property
    def exit_code(self) -> int:
        return EXIT_CHECK_FAILED if self.over else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "max_lines": self.max_lines,
            "count": self.count,
            "branches": [r.to_json() for r in self.rows],
            "over": list(self.over),
            "skipped": list(self.skipped),
        }


@dataclass(frozen=True)
class _Target:
    branch: str
    base: str
    effort: str | None = None


def run_gate(
    start: Path,
    manifest: Manifest | None,
    repo: git.RepoInfo,
    *,
    targets: Sequence[str] = (),
    wave: int | None = None,
    base: str | None = None,
    max_lines: int | None = None,
    count: str | None = None,
    default_excludes: bool = True,
    jobs: int | None = None,
) -> GateReport:
    """Count every target branch against its base (SPEC §6) and compare it with the budget."""
    if max_lines is not None and max_lines <= 0:
        raise UsageError(f"--max-lines must be a positive number of lines, not {max_lines}")
    config = manifest.gate if manifest is not None else GateConfig()  # no manifest: 800 changed lines
    skipped: tuple[str, ...] = ()
    if manifest is None:
        chosen = _plain_targets(start, targets, wave, base)
    else:
        chosen, skipped = _manifest_targets(start, manifest, repo, targets, wave, base)
    budget, mode = max_lines or config.max_lines, count or config.count
    counts = count_many(
        start,
        [(t.base, t.branch) for t in chosen],
        count=mode,
        exclude=config.exclude,
        default_excludes=default_excludes,
        jobs=jobs,
    )
    rows = tuple(GateRow(c, t.effort, budget) for t, c in zip(chosen, counts, strict=True))
    return GateReport(budget, mode, rows, skipped)


def _plain_targets(start: Path, targets: Sequence[str], wave: int | None, base: str | None) -> list[_Target]:
    """No manifest: branches (HEAD by default) against --base, which is then required."""
    if wave is not None:
        raise UsageError("--wave needs a manifest (wtorch.toml); without one, name the branches and --base")
    if base is None:
        raise UsageError(f"no manifest found, so gate needs --base REF to measure against, e.g. {NO_MANIFEST_EXAMPLE}")
    names = list(dict.fromkeys(targets)) or ["HEAD"]
    found = resolve_commits(start, [base, *names])
    if found[base] is None:
        raise UsageError(f"unknown base '{base}'")
    unknown = [n for n in names if found[n] is None]
    if unknown:
        raise UsageError(f"unknown branch {_quoted(unknown)}")
    return [_Target(name, base) for name in names]


def _manifest_targets(
    start: Path,
    manifest: Manifest,
    repo: git.RepoInfo,
    targets: Sequence[str],
    wave: int | None,
    base: str | None,
) -> tuple[list[_Target], tuple[str, ...]]:
    """Efforts (each against its own base, a stacked one against its parent) and plain branches."""
    from wtorch import lifecycle  # state derivation: only needed, and only paid for, with a manifest

    existing = git.refs.branches(start)
    efforts, plain = _split_targets(start, manifest, targets, base)
    skipped: tuple[str, ...] = ()
    if not targets:
        efforts = lifecycle.select(manifest, wave=wave)
        skipped = tuple(e.id for e in efforts if e.branch not in existing)
        efforts = [e for e in efforts if e.branch in existing]
    elif wave is not None:
        lifecycle.select(manifest, wave=wave)  # an unknown wave is an error of its own
        outside = [e.id for e in efforts if e.wave != wave]
        if plain or outside:
            raise UsageError(f"{_quoted([*plain, *outside])} not in wave {wave}; drop --wave or the name")
    missing = [e for e in efforts if e.branch not in existing]
    if missing:
        first = missing[0]
        raise UsageError(
            f"effort {_quoted([e.id for e in missing])} has no branch yet ({first.branch}); "
            f"create it with `wtorch create-wave {first.wave}`"
        )
    bases = lifecycle.effort_bases(manifest, repo) if efforts and base is None else {}
    project_base = base or manifest.project.base
    chosen = [_Target(e.branch, bases.get(e.id, project_base), e.id) for e in efforts]
    chosen += [_Target(name, project_base) for name in plain]
    return list({t.branch: t for t in chosen}.values()), skipped


def _split_targets(
    start: Path, manifest: Manifest, targets: Sequence[str], base: str | None
) -> tuple[list[Effort], list[str]]:
    """Targets as efforts (by id or by branch name) and plain branches; unknown names list the ids."""
    by_branch = {e.branch: e for e in manifest.efforts}
    efforts: list[Effort] = []
    plain: list[str] = []
    for name in dict.fromkeys(targets):
        effort = manifest.effort(name) or by_branch.get(name)
        if effort is not None:
            efforts.append(effort)
        else:
            plain.append(name)
    found = resolve_commits(start, [*plain, *([base] if base else [])])
    if base is not None and found[base] is None:
        raise UsageError(f"unknown base '{base}'")
    unknown = [name for name in plain if found[name] is None]
    if unknown:
        ids = ", ".join(e.id for e in manifest.efforts) or "none"
        raise UsageError(f"unknown branch or effort {_quoted(unknown)} (efforts: {ids})")
    return efforts, plain


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)
