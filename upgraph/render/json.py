"""JSON for scripts: the same dataclasses the text renderer reads."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from typing import Any


def dumps(value: Any) -> str:
    def plain(v: Any) -> Any:
        if is_dataclass(v) and not isinstance(v, type):
            return asdict(v)
        if isinstance(v, list):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    return json.dumps(plain(value), indent=2, sort_keys=True)
