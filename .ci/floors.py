"""The `oldest` lane's pins: of a `uv pip freeze` (argv[2]), the lines of pyproject.toml's (argv[1]) runtime
dependencies, i.e. the floors `uv pip install --resolution lowest-direct -e .` resolved. The lane then installs
the dev extra against these pins, so the test tools come at their newest and mlgate's own dependencies at the
oldest versions pyproject.toml claims."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def _name(requirement: str) -> str:
    found = re.match(r"[A-Za-z0-9_.\-]+", requirement.strip())
    return re.sub(r"[-_.]+", "-", found.group(0)).lower() if found else ""


def main(pyproject: str, frozen: str) -> None:
    runtime = {_name(d) for d in tomllib.loads(Path(pyproject).read_text())["project"]["dependencies"]}
    for line in Path(frozen).read_text().splitlines():
        if "==" in line and _name(line) in runtime:
            print(line.strip())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
