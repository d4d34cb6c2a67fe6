"""`initctl show-config` output, byte for byte (semantics §4, §5).

Jobs are printed sorted by name (initctl uses hash order, which no one can
rely on).  Names and values are printed as initctl prints them, control
characters escaped (see escape.py).
"""

from __future__ import annotations

from upgraph.model import show_config_block, show_config_enumerated
from upgraph.render.escape import safe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def render(result: Any, fmt: str, **options: Any) -> str:
    form = show_config_enumerated if result.enumerate else show_config_block
    return "".join(safe(line) + "\n" for job in result.jobs for line in form(job))
