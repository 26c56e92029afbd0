"""wtorch started as real processes, fast: one server imports wtorch once, then forks a child per run.

Each child is its own process and session leader (as `subprocess.Popen(start_new_session=True)`
would make it), runs `wtorch.cli.main` with the environment and arguments it was given, and is
waited for by the server, which reports how it ended. A child killed by the fault seam dies of
SIGKILL like any process would; nothing of the test process is shared with it. What this saves
is the interpreter start and the imports (most of a short wtorch run), once per kill point.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_SERVER = r"""
import json, os, sys
import wtorch.cli, git  # the imports every run would pay for
channel = os.fdopen(int(sys.argv[1]), "w")
for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        sink = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(sink, 1)
        os.dup2(sink, 2)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        code = 1
        try:
            code = wtorch.cli.main(request["argv"])
        except BaseException:
            import traceback
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    channel.write(json.dumps(code) + "\n")
    channel.flush()
"""


class ForkServer:
    def __init__(self) -> None:
        read, write = os.pipe()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(write)],
            stdin=subprocess.PIPE,
            text=True,
            env=env,
            pass_fds=(write,),
            cwd=ROOT,
        )
        os.close(write)
        self.replies = os.fdopen(read)

    def run(self, argv: list[str], *, env: dict[str, str], cwd: Path, output: Path) -> int:
        """Run `wtorch argv...` in a fresh child; its exit code (-9 when the fault seam killed it)."""
        assert self.proc.stdin is not None
        request = {"argv": argv, "env": env, "cwd": str(cwd), "output": str(output)}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return int(json.loads(self.replies.readline()))

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.replies.close()
