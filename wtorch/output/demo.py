"""How `wtorch demo` tells its story: each step's narration, the command as typed, its real output."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from wtorch.output import console

if TYPE_CHECKING:
    from wtorch.commands.demo import Demo, StepResult


def show_step(result: StepResult) -> None:
    from rich.rule import Rule

    out = console()
    out.print()
    out.print(Rule(f"[bold]{result.number}. {result.step.title}[/]", align="left"))
    out.print(result.step.say)
    for line in result.did:
        out.print(f"  [dim]·[/] {line}")
    if not result.step.wtorch:
        return
    out.print(f"[bold cyan]$ wtorch {shlex.join(result.step.wtorch)}[/]", highlight=False)
    out.file.write(result.output if result.output.endswith("\n") or not result.output else result.output + "\n")
    out.file.flush()
    if result.returncode != 0 and result.as_expected:
        out.print(f"[dim](exit {result.returncode}, as expected)[/]")
    elif not result.as_expected:
        out.print(f"[red]exit {result.returncode}, expected {result.step.expect}: the demo stops here[/]")


def show_end(demo: Demo) -> None:
    out = console()
    out.print()
    if demo.ok:
        out.print(f"[green]Done.[/] The demo repository is in {demo.directory}:")
        out.print(f"  cd {demo.repo} && wtorch status")
        out.print(f"  (remove it with: rm -rf {demo.directory})")
    else:
        out.print(f"[red]The demo did not go as expected.[/] What it made is in {demo.directory}.")
