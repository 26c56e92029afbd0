"""CLI: sync, log and undo."""

from __future__ import annotations

from typing import Annotated

import typer

from wtorch.choices import Strategy
from wtorch.cli import completion
from wtorch.cli.app import app


@app.command()
def sync(
    ctx: typer.Context,
    ids: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[ID|BRANCH]...",
            autocompletion=completion.efforts,
            help="Only these efforts (ids or branch names).",
        ),
    ] = None,
    wave: Annotated[
        list[int] | None, typer.Option("--wave", autocompletion=completion.waves, help="Only this wave (repeatable).")
    ] = None,
    strategy: Annotated[Strategy | None, typer.Option("--strategy", help="Default: sync.strategy.")] = None,
    autostash: Annotated[
        bool, typer.Option("--autostash", help="Sync dirty worktrees too, stashing and restoring their changes.")
    ] = False,
    push: Annotated[bool, typer.Option("--push", help="Push synced branches with --force-with-lease.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Predict (conflicts too); change nothing.")] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Efforts synced at once, when none stacks on another (default: twice the cores).",
        ),
    ] = None,
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
            names=tuple(ids or ()),
            waves=tuple(wave or ()),
            strategy=strategy,
            autostash=autostash,
            push=push,
            dry_run=dry_run,
            jobs=jobs,
            progress=step,
            argv=ctx.obj.argv,
        )
    if json_:
        output.emit_json(result.to_json())
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

    log = run_log(context.require_repo(ctx.obj))
    if json_:
        output.emit_json(log.to_json())
    else:
        render.render_log(log)


@app.command()
def undo(ctx: typer.Context) -> None:
    """Put back the refs of the last operation and remove the worktrees it created; undo again to redo.

    Example: wtorch sync && wtorch undo
    """
    from wtorch import context
    from wtorch.commands.undo import run_undo

    repo = context.require_repo(ctx.obj)
    manifest = context.load_optional(ctx.obj, repo)
    result = run_undo(repo, copies=manifest.worktree.copy if manifest else (), argv=ctx.obj.argv)
    undone = result.undone
    typer.echo(f"undid {undone.number}: wtorch {undone.command}" + (f" ({undone.note})" if undone.note else ""))
    for step in result.steps:
        typer.echo(f"  {step}")
