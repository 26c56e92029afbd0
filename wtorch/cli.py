"""The typer app: one small function per command, nothing else (see STYLE.md)."""

from __future__ import annotations

import os
import sys
import traceback
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from wtorch import __version__
from wtorch.errors import EXIT_GIT, EXIT_INTERRUPTED, ManifestError, WtorchError

EPILOG = (
    "Docs: docs/ in the wtorch repository. "
    "Exit codes: 0 ok, 1 check failed, 2 usage or manifest error, 3 git failed, 130 interrupted."
)


class _Group(TyperGroup):
    """Turns every error into a message and an exit code (SPEC §5); tracebacks only with --verbose."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except WtorchError as exc:
            _report(ctx, exc, exc.exit_code)
        except KeyboardInterrupt:
            sys.stderr.write("wtorch: interrupted\n")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if hasattr(exc, "show") and hasattr(exc, "exit_code"):
                raise  # typer's own usage errors: it prints them, exit 2
            _report(ctx, exc, EXIT_GIT, prefix="internal error: ")


def _verbose(ctx: Any) -> bool:
    return bool(ctx.params.get("verbose")) or os.environ.get("WTORCH_DEBUG") == "1"


def _report(ctx: Any, exc: BaseException, code: int, prefix: str = "") -> None:
    if _verbose(ctx):
        traceback.print_exc(file=sys.stderr)
    if isinstance(exc, ManifestError):
        message = "\n".join(exc.problems)
    else:
        message = f"wtorch: {prefix}{exc}"
        if prefix and not _verbose(ctx):
            message += " (run with --verbose for the traceback)"
    sys.stderr.write(message + "\n")
    raise typer.Exit(code)


app = typer.Typer(
    cls=_Group,
    name="wtorch",
    help="Git worktree and branch orchestration for waves of parallel efforts, driven by wtorch.toml.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wtorch {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest", envvar="WTORCH_MANIFEST", help="Path to wtorch.toml (default: the main worktree's)."
        ),
    ] = None,
    repo: Annotated[Path | None, typer.Option("-C", "--repo", help="Run as if started in DIR.")] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour (NO_COLOR is honoured too).")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="More detail; tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    from wtorch import output
    from wtorch.context import Options

    output.configure(color=not no_color)
    ctx.obj = Options(manifest=manifest, repo=repo, verbose=verbose, color=not no_color)


class PlanFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    mermaid = "mermaid"
    json = "json"


@app.command()
def plan(
    ctx: typer.Context,
    format: Annotated[PlanFormat, typer.Option("--format", "-f", help="Output format.")] = PlanFormat.table,
    json_: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
) -> None:
    """Validate the manifest and show the plan: waves, critical path, dependency and path-conflict matrices.

    Example: wtorch plan --manifest examples/phase6.toml --format markdown
    """
    from wtorch import context, output
    from wtorch.commands.plan import run_plan
    from wtorch.output import plan as render

    report = run_plan(context.load(ctx.obj))
    chosen = PlanFormat.json if json_ else format
    if chosen is PlanFormat.json:
        output.emit_json(report.to_json())
    elif chosen is PlanFormat.markdown:
        output.emit_text(render.render_markdown(report))
    elif chosen is PlanFormat.mermaid:
        output.emit_text(render.render_mermaid(report))
    else:
        render.render_table(report)


@app.command()
def init(
    ctx: typer.Context,
    project: Annotated[
        str | None, typer.Option("--project", help="Project name (default: the repository's folder name).")
    ] = None,
    base: Annotated[
        str | None, typer.Option("--base", help="Base branch (default: the current branch, else main).")
    ] = None,
) -> None:
    """Write a commented starter wtorch.toml at the root of the main worktree. Never overwrites.

    Example: wtorch init --project payments --base main
    """
    from wtorch import context, git
    from wtorch.commands.init import run_init

    options = ctx.obj
    repo = context.find_repo(options)
    target = context.manifest_path(options, repo)
    folder = (repo.main_worktree if repo else options.start).name
    chosen_base = base or (git.current_branch(options.start) if repo else None) or "main"
    written = run_init(target, project=project, base=chosen_base, default_project=folder)
    typer.echo(f"wrote {written}; next: add [[effort]] tables, then run `wtorch plan`")


@app.command("create-wave")
def create_wave(
    ctx: typer.Context,
    wave: Annotated[int, typer.Argument(help="The wave number.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be done; change nothing.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Base efforts with several unfinished dependencies on project.base.")
    ] = False,
    only: Annotated[list[str] | None, typer.Option("--only", help="Only these efforts (repeatable).")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only the efforts of this owner.")] = None,
    push: Annotated[bool, typer.Option("--push", help="Push new branches to project.remote with upstream.")] = False,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
) -> None:
    """Create the branch and worktree of every effort of wave N (idempotent: a re-run changes nothing).

    Example: wtorch create-wave 2 --dry-run
    """
    from wtorch import context, output
    from wtorch.commands.create_wave import run_create_wave
    from wtorch.output import lifecycle as render

    repo = context.require_repo(ctx.obj)
    manifest = context.load(ctx.obj, repo=repo)
    total = len([e for e in manifest.efforts if e.wave == wave])
    with render.progress_bar(total, f"wave {wave}") as step:
        result = run_create_wave(
            manifest,
            repo,
            wave,
            only=tuple(only or ()),
            owner=owner,
            dry_run=dry_run,
            force=force,
            push=push,
            progress=step,
        )
    if json_:
        output.emit_json(render.create_wave_json(result))
    else:
        render.render_create_wave(result)
    raise typer.Exit(result.exit_code)


@app.command()
def status(
    ctx: typer.Context,
    wave: Annotated[int | None, typer.Option("--wave", help="Only this wave.")] = None,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable result (docs/json.md).")] = False,
) -> None:
    """One row per effort: state, worktree, dirty files, ahead/behind its base, lines vs budget, ages.

    Example: wtorch status --wave 2
    """
    from wtorch import context, output
    from wtorch.commands.status import run_status
    from wtorch.output import lifecycle as render

    repo = context.require_repo(ctx.obj)
    report = run_status(context.load(ctx.obj, repo=repo), repo, wave=wave)
    if json_:
        output.emit_json(report.to_json())
    else:
        render.render_status(report)


def _mark(ctx: typer.Context, action: str, effort_id: str, reason: str | None = None) -> None:
    from wtorch import context
    from wtorch.commands import marks

    repo = context.require_repo(ctx.obj)
    manifest = context.load(ctx.obj, repo=repo)
    if action == "complete":
        result = marks.run_complete(manifest, repo, effort_id, reason=reason)
    elif action == "defunct":
        result = marks.run_defunct(manifest, repo, effort_id, reason=reason or "")
    else:
        result = marks.run_reopen(manifest, repo, effort_id)
    typer.echo(result.message)


@app.command()
def complete(
    ctx: typer.Context,
    effort_id: Annotated[str, typer.Argument(metavar="ID", help="The effort.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (shown in status and report).")] = None,
) -> None:
    """Mark an effort complete by hand (merges, squash-merges included, are detected without this).

    Example: wtorch complete p6w1-synctarget-controller --reason "merged upstream as #1234"
    """
    _mark(ctx, "complete", effort_id, reason)


@app.command()
def defunct(
    ctx: typer.Context,
    effort_id: Annotated[str, typer.Argument(metavar="ID", help="The effort.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the work is abandoned (required).")],
) -> None:
    """Mark an effort defunct: its branch is renamed by defunct_template and kept, never deleted.

    Example: wtorch defunct p9w3-canary --reason "built before the wave-1 metrics existed"
    """
    _mark(ctx, "defunct", effort_id, reason)


@app.command()
def reopen(
    ctx: typer.Context,
    effort_id: Annotated[str, typer.Argument(metavar="ID", help="The effort.")],
) -> None:
    """Clear a complete or defunct mark; a defunct branch gets its name back.

    Example: wtorch reopen p9w3-canary
    """
    _mark(ctx, "reopen", effort_id)


@app.command()
def remove(
    ctx: typer.Context,
    effort_id: Annotated[str, typer.Argument(metavar="ID", help="The effort.")],
    force: Annotated[
        bool, typer.Option("--force", help="Also a dirty or locked worktree, and an unmerged branch.")
    ] = False,
) -> None:
    """Remove an effort's worktree, and its branch when merged. Refuses dirty or locked worktrees.

    Example: wtorch remove p6w3-webhooks
    """
    from wtorch import context
    from wtorch.commands.remove import run_remove
    from wtorch.output import lifecycle as render

    repo = context.require_repo(ctx.obj)
    result = run_remove(context.load(ctx.obj, repo=repo), repo, effort_id, force=force)
    render.render_remove(result)
    raise typer.Exit(result.exit_code)


@app.command()
def prune(
    ctx: typer.Context,
    merged: Annotated[bool, typer.Option("--merged", help="Also worktrees and branches of merged efforts.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would go; change nothing.")] = False,
) -> None:
    """Clean stale worktree entries (directory gone); with --merged, merged efforts' worktrees and branches.

    Example: wtorch prune --merged --dry-run
    """
    from wtorch import context
    from wtorch.commands.remove import run_prune
    from wtorch.output import lifecycle as render

    repo = context.require_repo(ctx.obj)
    result = run_prune(context.load(ctx.obj, repo=repo), repo, merged=merged, dry_run=dry_run)
    render.render_remove(result)
    raise typer.Exit(result.exit_code)


class GateFormat(StrEnum):
    table = "table"
    json = "json"
    github = "github"


class CountMode(StrEnum):
    changed = "changed"
    added = "added"


@app.command()
def gate(
    ctx: typer.Context,
    targets: Annotated[
        list[str] | None, typer.Argument(metavar="BRANCH|ID", help="Branches or effort ids (default: all).")
    ] = None,
    wave: Annotated[int | None, typer.Option("--wave", help="Only the efforts of this wave.")] = None,
    max_lines: Annotated[
        int | None, typer.Option("--max-lines", help="The budget (default: gate.max_lines, else 800).")
    ] = None,
    base: Annotated[
        str | None, typer.Option("--base", help="Measure against REF (required without a manifest).", metavar="REF")
    ] = None,
    count: Annotated[
        CountMode | None, typer.Option("--count", help="changed = added + deleted; added = added only.")
    ] = None,
    no_default_excludes: Annotated[
        bool, typer.Option("--no-default-excludes", help="Count lock files, vendor/, generated code too.")
    ] = False,
    format: Annotated[GateFormat, typer.Option("--format", "-f", help="Output format.")] = GateFormat.table,
    json_: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
) -> None:
    """Check each branch against the line budget, counted from its merge-base with its base. Exit 1 when any is over.

    Example: wtorch gate --max-lines 800 --format github
    """
    from wtorch import context, output
    from wtorch.commands.gate import optional_manifest, run_gate
    from wtorch.output import gate as render

    options = ctx.obj
    repo = context.require_repo(options)
    report = run_gate(
        options.start,
        optional_manifest(options, repo),
        repo,
        targets=tuple(targets or ()),
        wave=wave,
        base=base,
        max_lines=max_lines,
        count=count.value if count else None,
        default_excludes=not no_default_excludes,
    )
    chosen = GateFormat.json if json_ else format
    if chosen is GateFormat.json:
        output.emit_json(report.to_json())
    elif chosen is GateFormat.github:
        output.emit_text(render.render_github(report, verbose=options.verbose))
    else:
        render.render_table(report, verbose=options.verbose)
    raise typer.Exit(report.exit_code)


class SplitFormat(StrEnum):
    table = "table"
    json = "json"
    mermaid = "mermaid"


@app.command("split")
def split_(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="BRANCH|ID", help="The branch (or effort) to split.")],
    max_lines: Annotated[
        int | None, typer.Option("--max-lines", help="Budget per chunk (default: gate.max_lines, else 800).")
    ] = None,
    base: Annotated[
        str | None, typer.Option("--base", help="Measure against REF (default: the effort's base).")
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Create the chunk branches (the original is never touched).")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="With --apply: replace existing chunk branches.")] = False,
    check: Annotated[
        str | None, typer.Option("--check", help="With --apply: run CMD at every chunk in a temporary worktree.")
    ] = None,
    format: Annotated[SplitFormat, typer.Option("--format", "-f", help="Output format.")] = SplitFormat.table,
    json_: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
) -> None:
    """Plan how to cut a branch into a stack of chunks under the budget, each only needing earlier ones.

    Example: wtorch split feature/tmc-completion/p6w2-vw-discovery --max-lines 800 --apply --check "make build"
    """
    from wtorch import context, output
    from wtorch.commands.gate import optional_manifest
    from wtorch.commands.split import resolve_target, run_split
    from wtorch.output import lifecycle as progress
    from wtorch.output import split as render

    repo = context.require_repo(ctx.obj)
    manifest = optional_manifest(ctx.obj, repo)
    chosen = resolve_target(manifest, repo, target, base, ctx.obj.start)
    with progress.progress_bar(0, "check") as step:
        report = run_split(
            manifest, repo, chosen, max_lines=max_lines, apply=apply, force=force, check=check, progress=step
        )
    if json_ or format is SplitFormat.json:
        output.emit_json(report.to_json())
    elif format is SplitFormat.mermaid:
        output.emit_text(render.render_mermaid(report))
    else:
        render.render_table(report, verbose=ctx.obj.verbose)
    raise typer.Exit(report.exit_code)


class Strategy(StrEnum):
    rebase = "rebase"
    merge = "merge"


@app.command()
def sync(
    ctx: typer.Context,
    ids: Annotated[list[str] | None, typer.Argument(metavar="[ID]...", help="Only these efforts.")] = None,
    wave: Annotated[int | None, typer.Option("--wave", help="Only this wave.")] = None,
    strategy: Annotated[Strategy | None, typer.Option("--strategy", help="Default: sync.strategy.")] = None,
    autostash: Annotated[
        bool, typer.Option("--autostash", help="Sync dirty worktrees too, stashing and restoring their changes.")
    ] = False,
    push: Annotated[bool, typer.Option("--push", help="Push synced branches with --force-with-lease.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Predict (conflicts too); change nothing.")] = False,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
) -> None:
    """The daily sync: every branch onto its base, parents first; a conflict is aborted and reported.

    Example: wtorch sync --wave 2 --dry-run
    """
    from wtorch import context, output
    from wtorch.commands.sync import run_sync
    from wtorch.output import lifecycle as progress
    from wtorch.output import sync as render

    repo = context.require_repo(ctx.obj)
    manifest = context.load(ctx.obj, repo=repo)
    with progress.progress_bar(len(manifest.efforts), "sync") as step:
        result = run_sync(
            manifest,
            repo,
            ids=tuple(ids or ()),
            wave=wave,
            strategy=strategy.value if strategy else None,
            autostash=autostash,
            push=push,
            dry_run=dry_run,
            progress=step,
        )
    if json_:
        output.emit_json(render.sync_json(result))
    else:
        render.render_sync(result)
    raise typer.Exit(result.exit_code)


@app.command("log")
def log_(
    ctx: typer.Context,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
) -> None:
    """The operations log: every mutating command, newest first, with each ref it moved.

    Example: wtorch log
    """
    from wtorch import context, output
    from wtorch.commands.undo import run_log
    from wtorch.output import sync as render

    operations = run_log(context.require_repo(ctx.obj))
    if json_:
        output.emit_json(render.log_json(operations))
    else:
        render.render_log(operations)


@app.command()
def undo(ctx: typer.Context) -> None:
    """Put back the refs of the last operation and remove the worktrees it created; undo again to redo.

    Example: wtorch sync && wtorch undo
    """
    from wtorch import context
    from wtorch.commands.undo import run_undo

    result = run_undo(context.require_repo(ctx.obj))
    typer.echo(f"undid {result.undone.number}: wtorch {result.undone.command}")
    for step in result.steps:
        typer.echo(f"  {step}")


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: returns the exit code instead of raising SystemExit."""
    try:
        app(args=argv, prog_name="wtorch", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
