"""A shell script (collect) is printed as it is: escaping it for a terminal,
as text answers are, would change the program."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def render(result: Any, fmt: str, **options: Any) -> str:
    return result.text
