"""Real job sets: upgraph prints what a real Upstart 1.13.2 printed for them
(../shared/expected), job block for job block, with the same exit status."""

from __future__ import annotations

import pytest
from conftest import CORPORA, EXPECTED, cli, corpus_sets, needs_shared

pytestmark = needs_shared

COMMANDS = {
    "show-config": ["show-config"],
    "show-config-e": ["show-config", "-e"],
    "check-config": ["check-config"],
    "check-config-warn": ["check-config", "--warn"],
}


def blocks(text: str) -> dict[str, list[str]]:
    """Job blocks: initctl prints jobs in hash order, upgraph sorted."""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            current = line
            out[current] = []
        elif current is not None:
            out[current].append(line)
    return out


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("jobset", corpus_sets())
def test_matches_real_upstart(jobset, name):
    args = list(COMMANDS[name])
    if "session" in jobset and name.startswith("check"):
        args.append("--session")  # session-end is init's own event there
    res = cli(*args, "-d", str(CORPORA / jobset))
    want = (EXPECTED / jobset / f"{name}.txt").read_text()
    assert blocks(res.out) == blocks(want)
    assert res.rc == int((EXPECTED / jobset / f"{name}.rc").read_text())
    assert res.err == ""


@pytest.mark.parametrize("jobset", corpus_sets())
def test_loads_what_upstart_loads(jobset):
    d = CORPORA / jobset
    names = [ln for ln in cli("show-config", "-d", str(d)).out.splitlines()
             if not ln.startswith(" ")]
    expected = sorted(p.relative_to(d).as_posix()[:-5] for p in d.rglob("*.conf"))
    assert names == expected
    assert (EXPECTED / jobset / "init-errors.txt").read_text().strip() == ""


@pytest.mark.parametrize("jobset", corpus_sets())
def test_enumerated_text_reads_back(jobset):
    first = cli("show-config", "-e", "-d", str(CORPORA / jobset)).out
    assert cli("show-config", "-e", "-f", "-", stdin=first).out == first


def test_who_emits_startup_is_init_everywhere():
    for jobset in corpus_sets():
        res = cli("who-emits", "startup", "-d", str(CORPORA / jobset))
        assert res.out == "init built-in\n", jobset
