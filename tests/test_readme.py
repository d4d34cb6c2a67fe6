"""Every `$ upgraph ...` example in README.md prints exactly what it shows.

    python tests/test_readme.py --update    rewrites the outputs in README.md
                                            from the installed command
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```console\n(.*?)```", flags=re.S)


def examples(text: str) -> list[tuple[str, str]]:
    found = []
    for block in BLOCK.findall(text):
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


def output(cmd: str) -> str:
    """What the installed console script prints for CMD (stdout and stderr),
    run from the repository as a user would."""
    script = Path(sys.executable).with_name("upgraph")
    shell = f'upgraph() {{ "{script}" "$@"; }}; {{ {cmd}; }} 2>&1'
    return subprocess.run(["bash", "-c", shell], capture_output=True, text=True,
                          cwd=REPO).stdout


def test_readme_examples():
    import pytest

    text = (REPO / "README.md").read_text()
    cases = examples(text)
    assert len(cases) > 10
    bad = []
    for cmd, expected in cases:
        got = output(cmd)
        if got.rstrip("\n") != expected.rstrip("\n"):
            bad.append(f"$ {cmd}\n--- README\n{expected}\n--- actual\n{got}")
    if bad:
        pytest.fail("\n\n".join(bad))


def update() -> None:
    text = (REPO / "README.md").read_text()

    def fill(block: re.Match[str]) -> str:
        lines = []
        for cmd, _ in examples(block.group(0)):
            lines.append(f"$ {cmd}")
            lines.append(output(cmd).rstrip("\n"))
        return "```console\n" + "\n".join(lines) + "\n```"

    (REPO / "README.md").write_text(BLOCK.sub(fill, text))


if __name__ == "__main__" and "--update" in sys.argv:
    update()
