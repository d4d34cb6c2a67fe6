"""fnmatch globs against many names, without trying every pair.

`emits` may be a glob (`*-device-added`), and big job sets hold thousands of
them.  A glob can only match names that start with its literal prefix (the
text before the first `*`, `?` or `[`) and end with its literal suffix, so
both directions of the question are answered from indexes: by prefix, and
for globs that start with a wildcard, by suffix.  Only globs with neither
(`*`, `*x*`) are tried against every name, and there are few of those.

Upstart matches with fnmatch(3) without flags: `/` and leading dots are
ordinary characters, as in Python's fnmatchcase.
"""

from __future__ import annotations

from bisect import bisect_left
from fnmatch import fnmatchcase

from upgraph.model import is_glob

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

GLOB_CHARS = "*?["


def literal_prefix(pattern: str) -> str:
    cut = min((i for i in (pattern.find(c) for c in GLOB_CHARS) if i >= 0),
              default=len(pattern))
    return pattern[:cut]


def literal_suffix(pattern: str) -> str:
    """The text after the last wildcard (a `]` may close a class: stop there)."""
    cut = max(pattern.rfind(c) for c in "*?]")
    return pattern[cut + 1:]


class Patterns:
    """Which of many patterns (plain names or globs) match a given name."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.exact: set[str] = set()
        self.by_prefix: dict[str, list[str]] = {}
        self.by_suffix: dict[str, list[str]] = {}
        self.anywhere: list[str] = []
        for p in sorted(set(patterns)):
            if not is_glob(p):
                self.exact.add(p)
            elif literal_prefix(p):
                self.by_prefix.setdefault(literal_prefix(p), []).append(p)
            elif literal_suffix(p):
                self.by_suffix.setdefault(literal_suffix(p), []).append(p)
            else:
                self.anywhere.append(p)
        self.prefix_lengths = sorted({len(k) for k in self.by_prefix})
        self.suffix_lengths = sorted({len(k) for k in self.by_suffix})

    def covers(self, name: str) -> bool:
        """Some pattern is NAME itself, or a glob matching it."""
        return name in self.exact or next(self.matching(name), None) is not None

    def matching(self, name: str) -> Iterator[str]:
        """The glob patterns matching NAME (plain names are in `exact`)."""
        size = len(name)
        for n in self.prefix_lengths:
            if n > size:
                break
            for p in self.by_prefix.get(name[:n], ()):
                if fnmatchcase(name, p):
                    yield p
        for n in self.suffix_lengths:
            if n > size:
                break
            for p in self.by_suffix.get(name[size - n:], ()):
                if fnmatchcase(name, p):
                    yield p
        for p in self.anywhere:
            if fnmatchcase(name, p):
                yield p


class Names:
    """Which of many names a given glob pattern matches."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted(set(names))
        self._reversed: list[str] | None = None

    def matching(self, pattern: str) -> Iterator[str]:
        prefix = literal_prefix(pattern)
        suffix = literal_suffix(pattern) if not prefix else ""
        if prefix or not suffix:
            names = self.names
            i = bisect_left(names, prefix)
            while i < len(names) and names[i].startswith(prefix):
                if fnmatchcase(names[i], pattern):
                    yield names[i]
                i += 1
            return
        if self._reversed is None:
            self._reversed = sorted(n[::-1] for n in self.names)
        rev, key = self._reversed, suffix[::-1]
        i = bisect_left(rev, key)
        found = []
        while i < len(rev) and rev[i].startswith(key):
            if fnmatchcase(rev[i][::-1], pattern):
                found.append(rev[i][::-1])
            i += 1
        yield from sorted(found)
