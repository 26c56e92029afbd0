"""CLI: create-wave, status, complete/defunct/reopen, remove, prune."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wtorch.cli import completion
from wtorch.cli.app import app

if TYPE_CHECKING:
    from wtorch.commands.marks import MarkResult
    from wtorch.commands.remove import RemoveReport


@app.command("create-wave")
def create_wave(
    ctx: typer.Context,
    wave: Annotated[int, typer.Argument(help="The wave number.", autocompletion=completion.waves)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be done; change nothing.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Base efforts with several unfinished dependencies on project.base.")
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", autocompletion=completion.efforts, help="Only these efforts (repeatable)."),
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only the efforts of this owner.")] = None,
    push: Annotated[bool, typer.Option("--push", help="Push new branches to project.remote with upstream.")] = False,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
) -> None:
    """Create the branch and worktree of every effort of wave N (idempotent: a re-run changes nothing).

    Each new worktree gets the worktree.copy files and runs the worktree.setup commands; under the table,
    per effort, the files copied and each setup's result (a failure with its last lines and its log).

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
            argv=ctx.obj.argv,
        )
    if json_:
        output.emit_json(result.to_json())
    else:
        render.render_create_wave(result)
    raise typer.Exit(result.exit_code)


@app.command()
def status(
    ctx: typer.Context,
    wave: Annotated[
        list[int] | None, typer.Option("--wave", autocompletion=completion.waves, help="Only this wave (repeatable).")
    ] = None,
    remote: Annotated[
        bool, typer.Option("--remote", help="Fetch, and show efforts living on other machines from the remote.")
    ] = False,
    no_worktrees: Annotated[
        bool, typer.Option("--no-worktrees", help="Do not look into worktrees for uncommitted files (faster).")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable result (docs/json.md).")] = False,
) -> None:
    """One row per effort: state, worktree, dirty files, ahead/behind its base, lines vs budget, ages.

    Example: wtorch status --wave 2
    """
    from wtorch import context, output
    from wtorch.commands.status import run_status
    from wtorch.output import lifecycle as render

    repo = context.require_repo(ctx.obj)
    manifest = context.load(ctx.obj, repo=repo)
    report = run_status(manifest, repo, waves=tuple(wave or ()), remote=remote, worktrees=not no_worktrees)
    if json_:
        output.emit_json(report.to_json())
    else:
        render.render_status(report)


_PUSH_HELP = "Publish the marks to project.remote (refs/wtorch/state), so other machines see them."


def _mark(ctx: typer.Context, run: Callable[..., MarkResult], effort_id: str, **options: Any) -> None:
    from wtorch import context

    repo = context.require_repo(ctx.obj)
    result = run(context.load(ctx.obj, repo=repo), repo, effort_id, argv=ctx.obj.argv, **options)
    typer.echo(result.message)


@app.command()
def complete(
    ctx: typer.Context,
    effort_id: Annotated[
        str,
        typer.Argument(
            metavar="ID|BRANCH", autocompletion=completion.efforts, help="The effort: its id or its branch."
        ),
    ],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (shown in status and report).")] = None,
    push: Annotated[bool, typer.Option("--push", help=_PUSH_HELP)] = False,
) -> None:
    """Mark an effort complete by hand (merges, squash-merges included, are detected without this).

    Example: wtorch complete p6w1-synctarget-controller --reason "merged upstream as #1234"
    """
    from wtorch.commands.marks import run_complete

    _mark(ctx, run_complete, effort_id, reason=reason, push=push)


@app.command()
def defunct(
    ctx: typer.Context,
    effort_id: Annotated[
        str,
        typer.Argument(
            metavar="ID|BRANCH", autocompletion=completion.efforts, help="The effort: its id or its branch."
        ),
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why the work is abandoned (required).")],
    push: Annotated[bool, typer.Option("--push", help=_PUSH_HELP)] = False,
) -> None:
    """Mark an effort defunct: its branch is renamed by defunct_template and kept, never deleted.

    Example: wtorch defunct p9w3-canary --reason "built before the wave-1 metrics existed"
    """
    from wtorch.commands.marks import run_defunct

    _mark(ctx, run_defunct, effort_id, reason=reason, push=push)


@app.command()
def reopen(
    ctx: typer.Context,
    effort_id: Annotated[
        str,
        typer.Argument(
            metavar="ID|BRANCH", autocompletion=completion.efforts, help="The effort: its id or its branch."
        ),
    ],
    push: Annotated[bool, typer.Option("--push", help=_PUSH_HELP)] = False,
) -> None:
    """Clear a complete or defunct mark; a defunct branch gets its name back.

    Example: wtorch reopen p9w3-canary
    """
    from wtorch.commands.marks import run_reopen

    _mark(ctx, run_reopen, effort_id, push=push)


@app.command()
def remove(
    ctx: typer.Context,
    effort_id: Annotated[
        str,
        typer.Argument(
            metavar="ID|BRANCH", autocompletion=completion.efforts, help="The effort: its id or its branch."
        ),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Also a dirty or locked worktree, and an unmerged branch.")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
) -> None:
    """Remove an effort's worktree, and its branch when merged. Refuses dirty or locked worktrees.

    Example: wtorch remove p6w3-webhooks
    """
    from wtorch import context
    from wtorch.commands.remove import run_remove

    repo = context.require_repo(ctx.obj)
    result = run_remove(context.load(ctx.obj, repo=repo), repo, effort_id, force=force, argv=ctx.obj.argv)
    _show_removal(result, json_=json_)
    raise typer.Exit(result.exit_code)


def _show_removal(result: RemoveReport, *, json_: bool) -> None:
    from wtorch import output
    from wtorch.output import lifecycle as render

    if json_:
        output.emit_json(result.to_json())
    else:
        render.render_remove(result)


@app.command()
def prune(
    ctx: typer.Context,
    merged: Annotated[bool, typer.Option("--merged", help="Also worktrees and branches of merged efforts.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would go; change nothing.")] = False,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
) -> None:
    """Clean stale worktree entries (directory gone); with --merged, merged efforts' worktrees and branches.

    Example: wtorch prune --merged --dry-run
    """
    from wtorch import context
    from wtorch.commands.remove import run_prune

    repo = context.require_repo(ctx.obj)
    result = run_prune(context.load(ctx.obj, repo=repo), repo, merged=merged, dry_run=dry_run, argv=ctx.obj.argv)
    _show_removal(result, json_=json_)
    raise typer.Exit(result.exit_code)
