"""Which stanzas job files may use: stock Upstart's, or a vendor's.

A vendor's Upstart adds stanzas (ChromeOS: `import`, `tmpfiles`).  The job
file reader always reads them (so the rest of such a job is analysed) and
records them on the job; a job that uses a stanza the dialect in use does
not have is left out, as stock Upstart leaves it out.  This module is
light on purpose: deciding the dialect of show-config text must not load
the job file reader.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.model import JobSet

# dialect -> its own stanzas -> (fewest arguments, most arguments, check)
DIALECTS: dict[str, dict[str, tuple[int, int | None, None]]] = {
    "upstart": {},
    "chromeos": {"import": (1, None, None), "tmpfiles": (1, None, None)},
}
VENDOR_TABLE = {k: spec for table in DIALECTS.values() for k, spec in table.items()}
VENDOR_STANZAS = {k: d for d, table in DIALECTS.items() for k in table}


def apply_dialect(jobset: JobSet, dialect: str | None) -> None:
    """Decide the job set's dialect (None: ChromeOS's when its stanzas are
    used), and leave out, as stock Upstart does, every job that uses a
    vendor stanza the dialect does not have (`Unknown stanza`)."""
    used = [j for j in jobset.jobs.values() if j.vendor]
    jobset.dialect_given = dialect is not None
    jobset.dialect = dialect if dialect is not None else "chromeos" if used else "upstart"
    if not used:
        return
    from upgraph.model import Diagnostic

    allowed = DIALECTS.get(jobset.dialect, {})
    for job in used:
        bad = [(key, loc) for key, loc in job.vendor or () if key not in allowed]
        if bad:
            key, loc = bad[0]
            diag = Diagnostic("error", f"Unknown stanza '{key}'; a {VENDOR_STANZAS[key]} "
                              "stanza, which stock Upstart rejects (see --dialect)", loc,
                              "unknown-stanza")
            jobset.diagnostics.append(diag)
            del jobset.jobs[job.name]
            jobset.rejected[job.name] = diag
