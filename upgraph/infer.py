"""Events a job's own scripts emit without declaring them.

`initctl emit [--no-wait] EVENT [KEY=VALUE...]` inside `exec`/`script`
bodies is a real emitter that `emits` stanzas often forget.  We add such
events to the job as inferred Emits, so `who-emits` can show them (marked)
and `lint` can report the missing declaration.  show-config and
check-config ignore them: initctl does not know about them.
"""

from __future__ import annotations

import re
import shlex
from fnmatch import fnmatchcase

from upgraph.model import Emit, Job

_EMIT = re.compile(r"\binitctl\s+emit\b([^\n;&|]*)")


def script_emits(text: str) -> list[str]:
    """Event names of every literal `initctl emit` in shell TEXT."""
    events = []
    for m in _EMIT.finditer(text):
        try:
            words = shlex.split(m.group(1), comments=True)
        except ValueError:
            words = m.group(1).split()
        for word in words:
            if word.startswith("-"):
                continue
            if "$" not in word and "`" not in word:
                events.append(word)
            break
    return events


def infer_emits(job: Job) -> None:
    declared = [e.event for e in job.emits if not e.inferred]
    seen: set[str] = set()
    for process, text in job.processes.items():
        for event in script_emits(text):
            if event in seen or any(fnmatchcase(event, d) for d in declared):
                continue
            seen.add(event)
            where = "exec" if process == "main" and "exec" in job.stanza_locs else (
                "script" if process == "main" else process)
            job.emits.append(Emit(event, job.stanza_locs.get(where, job.loc), inferred=True))
