"""'Did you mean' for unknown job and event names, cheap on big job sets.

difflib compares against every candidate, which is quadratic when a large
set has many unknown names; we memoise answers and compare only against
the candidates closest in length (typos rarely change the length much).
Past MAX_ASKED distinct names (a job set of a million unknown events is not
a typo) no more are compared: the answer is then no suggestion, so a
hostile input cannot make a `lint` run for minutes.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

MAX_CANDIDATES = 1500
MAX_ASKED = 20_000


class Suggester:
    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted(set(names))
        self._by_len: dict[int, list[str]] = {}
        for name in self.names:
            self._by_len.setdefault(len(name), []).append(name)
        self._memo: dict[tuple[str, int, float], list[str]] = {}

    def _pool(self, name: str) -> list[str]:
        if len(self.names) <= MAX_CANDIDATES:
            return self.names
        pool: list[str] = []
        size = len(name)
        for delta in range(max(self._by_len) + 1):
            for length in {size - delta, size + delta}:
                pool += self._by_len.get(length, [])
            if len(pool) >= MAX_CANDIDATES:
                break
        return pool[:MAX_CANDIDATES]

    def __call__(self, name: str, n: int = 4, cutoff: float = 0.6) -> list[str]:
        key = (name, n, cutoff)
        if key not in self._memo:
            if len(self._memo) >= MAX_ASKED:
                return []
            self._memo[key] = difflib.get_close_matches(name, self._pool(name), n=n,
                                                        cutoff=cutoff)
        return self._memo[key]


def suggest(name: str, choices: Iterable[str], n: int = 4, cutoff: float = 0.6) -> list[str]:
    return Suggester(choices)(name, n, cutoff)
