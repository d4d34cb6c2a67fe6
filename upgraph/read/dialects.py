"""Which stanzas job files may use: stock Upstart's, or a vendor's.

A vendor's Upstart adds stanzas (ChromeOS: `import`, `tmpfiles`).  The job
file reader always reads them (so the rest of such a job is analysed) and
records them on the job; whether they are warned about depends on the
dialect, and stock Upstart rejects a job that uses them.  This module is
light on purpose: deciding the dialect of show-config text must not load
the job file reader.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from upgraph.model import Diagnostic, Job

# dialect -> its own stanzas -> (fewest arguments, most arguments, check)
DIALECTS: dict[str, dict[str, tuple[int, int | None, None]]] = {
    "upstart": {},
    "chromeos": {"import": (1, None, None), "tmpfiles": (1, None, None)},
}
VENDOR_TABLE = {k: spec for table in DIALECTS.values() for k, spec in table.items()}
VENDOR_STANZAS = {k: d for d, table in DIALECTS.items() for k in table}


def apply_dialect(jobs: list[Job], dialect: str | None,
                  diags: list[Diagnostic]) -> str:
    """Decide the dialect (None: ChromeOS's when its stanzas are used) and
    warn about vendor stanzas the dialect does not have.  Returns it."""
    used = [j for j in jobs if j.vendor]
    if dialect is None:
        dialect = "chromeos" if used else "upstart"
    if not used:
        return dialect
    from upgraph.model import Diagnostic

    allowed = DIALECTS.get(dialect, {})
    for job in used:
        for key, loc in job.vendor or ():
            if key not in allowed:
                diags.append(Diagnostic(
                    "warning", f"Unknown stanza '{key}' (kept the job); a "
                    f"{VENDOR_STANZAS[key]} stanza, which stock Upstart rejects "
                    "(see --dialect)", loc, "unknown-stanza"))
    return dialect
