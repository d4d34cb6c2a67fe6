"""fnmatch globs against many names, without trying every pair.

`emits` may be a glob (`*-device-added`), and big job sets hold thousands
of them.  A glob can only match names that start with its literal prefix
(the part before the first `*`, `?` or `[`), so both directions of the
question are answered from a prefix index instead of a full scan.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase

GLOB_CHARS = "*?["


def is_glob(name: str) -> bool:
    return any(c in GLOB_CHARS for c in name)


def literal_prefix(pattern: str) -> str:
    cut = min((i for i in (pattern.find(c) for c in GLOB_CHARS) if i >= 0),
              default=len(pattern))
    return pattern[:cut]


class Patterns:
    """Which of many patterns (plain names or globs) match a given name."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.exact: set[str] = set()
        self.by_prefix: dict[str, list[str]] = {}
        for p in sorted(set(patterns)):
            if is_glob(p):
                self.by_prefix.setdefault(literal_prefix(p), []).append(p)
            else:
                self.exact.add(p)
        self.lengths = sorted({len(k) for k in self.by_prefix})

    def covers(self, name: str) -> bool:
        """Some pattern is NAME itself, or a glob matching it."""
        return name in self.exact or self.any_match(name)

    def matching(self, name: str) -> Iterator[str]:
        """The glob patterns matching NAME (plain names are in `exact`)."""
        for size in self.lengths:
            if size > len(name):
                break
            for p in self.by_prefix.get(name[:size], ()):
                if fnmatchcase(name, p):
                    yield p

    def any_match(self, name: str) -> bool:
        return next(self.matching(name), None) is not None


class Names:
    """Which of many names a given glob pattern matches."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted(set(names))

    def matching(self, pattern: str) -> Iterator[str]:
        prefix = literal_prefix(pattern)
        i = bisect_left(self.names, prefix)
        while i < len(self.names) and self.names[i].startswith(prefix):
            if fnmatchcase(self.names[i], pattern):
                yield self.names[i]
            i += 1
