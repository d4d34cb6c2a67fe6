"""Every `$ upgraph ...` example in README.md prints exactly what it shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO


def examples() -> list[tuple[str, str]]:
    text = (REPO / "README.md").read_text()
    found = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        cmd, out = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if cmd:
                    found.append((cmd, "\n".join(out)))
                cmd, out = line[2:], []
            else:
                out.append(line)
        if cmd:
            found.append((cmd, "\n".join(out)))
    return found


@pytest.mark.parametrize(("cmd", "expected"), examples(), ids=[c for c, _ in examples()])
def test_readme_example(cmd, expected):
    # the installed console script, as a user runs it (not `python -m`, which
    # would import the source tree in the current directory instead)
    script = Path(sys.executable).with_name("upgraph")
    shell = f'upgraph() {{ "{script}" "$@"; }}; {cmd} 2>&1'
    got = subprocess.run(["bash", "-c", shell], capture_output=True, text=True,
                         cwd=REPO).stdout
    assert got.rstrip("\n") == expected.rstrip("\n")
