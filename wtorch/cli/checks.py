"""CLI: gate and split."""

from __future__ import annotations

from typing import Annotated

import typer

from wtorch.choices import CountMode, GateFormat, SplitFormat
from wtorch.cli import completion
from wtorch.cli.app import app


@app.command()
def gate(
    ctx: typer.Context,
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="BRANCH|ID", autocompletion=completion.efforts, help="Branches or effort ids (default: all)."
        ),
    ] = None,
    wave: Annotated[
        list[int] | None,
        typer.Option("--wave", autocompletion=completion.waves, help="Only the efforts of this wave (repeatable)."),
    ] = None,
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
    format: Annotated[GateFormat, typer.Option("--format", "-f", help="Output format.")] = GateFormat.TABLE,
    json_: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
) -> None:
    """Check each branch against the line budget, counted from its merge-base with its base. Exit 1 when any is over.

    Example: wtorch gate --max-lines 800 --format github
    """
    from wtorch import context, output
    from wtorch.commands.gate import run_gate
    from wtorch.output import gate as render

    options = ctx.obj
    repo = context.require_repo(options)
    report = run_gate(
        options.start,
        context.load_optional(options, repo),
        repo,
        names=tuple(targets or ()),
        waves=tuple(wave or ()),
        base=base,
        max_lines=max_lines,
        count=count,
        default_excludes=not no_default_excludes,
    )
    chosen = GateFormat.JSON if json_ else format
    if chosen is GateFormat.JSON:
        output.emit_json(report.to_json())
    elif chosen is GateFormat.GITHUB:
        output.emit_text(render.render_github(report, verbose=options.verbose))
    else:
        render.render_table(report, verbose=options.verbose)
    raise typer.Exit(report.exit_code)


@app.command("split")
def split_(
    ctx: typer.Context,
    target: Annotated[
        str,
        typer.Argument(metavar="BRANCH|ID", autocompletion=completion.efforts, help="The branch (or effort) to split."),
    ],
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
    push: Annotated[
        bool,
        typer.Option(
            "--push",
            help="With --apply: push the chunk branches to project.remote with upstream tracking, and print the "
            "`gh pr create` line that opens each as a stacked pull request.",
        ),
    ] = False,
    format: Annotated[SplitFormat, typer.Option("--format", "-f", help="Output format.")] = SplitFormat.TABLE,
    json_: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
) -> None:
    """Plan how to cut a branch into a stack of chunks under the budget, each only needing earlier ones.

    Example: wtorch split feature/tmc-completion/p6w2-vw-discovery --max-lines 800 --apply --check "make build"

    Example: wtorch split p6w2-vw-discovery --apply --push
    """
    from wtorch import context, output
    from wtorch.commands.split import resolve_target, run_split
    from wtorch.output import lifecycle as progress
    from wtorch.output import split as render

    repo = context.require_repo(ctx.obj)
    manifest = context.load_optional(ctx.obj, repo)
    chosen = resolve_target(manifest, repo, target, base, ctx.obj.start)
    with progress.progress_bar(0, "check") as step:
        report = run_split(
            manifest,
            repo,
            chosen,
            max_lines=max_lines,
            apply=apply,
            force=force,
            check=check,
            push=push,
            progress=step,
            argv=ctx.obj.argv,
        )
    if json_ or format is SplitFormat.JSON:
        output.emit_json(report.to_json())
    elif format is SplitFormat.MERMAID:
        output.emit_text(render.render_mermaid(report))
    else:
        render.render_table(report, verbose=ctx.obj.verbose)
    raise typer.Exit(report.exit_code)
