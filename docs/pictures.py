"""Regenerate the pictures in the README from real runs on the demo repository: `nox -s pictures`.

python docs/pictures.py            # writes docs/images/plan.svg and docs/images/status.svg
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PICTURES = {"plan": ["plan"], "status": ["status"]}


def main() -> int:
    from wtorch import output
    from wtorch.cli import main as wtorch

    with tempfile.TemporaryDirectory(prefix="wtorch-pictures-") as scratch:
        demo = Path(scratch) / "demo"
        os.environ["COLUMNS"] = "150"
        with open(os.devnull, "w") as quiet:
            saved, sys.stdout = sys.stdout, quiet
            try:
                code = wtorch(["demo", str(demo), "--fast"])
            finally:
                sys.stdout = saved
        if code != 0:
            print(f"the demo failed (exit {code}); no picture was made", file=sys.stderr)
            return 1
        os.environ["WTORCH_RECORD"] = "1"
        for name, args in PICTURES.items():
            wtorch(["-C", str(demo / "repo"), *args])
            recorded = output.console()
            target = HERE / "images" / f"{name}.svg"
            recorded.save_svg(str(target), title=f"wtorch {' '.join(args)}")
            print(f"wrote {target.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
