"""The prefix-indexed glob matching answers exactly what fnmatch answers."""

from __future__ import annotations

from fnmatch import fnmatchcase

from hypothesis import given, settings
from hypothesis import strategies as st

from upgraph.globs import Names, Patterns, literal_prefix

alphabet = st.sampled_from(list("ab-*?[]!x"))
words = st.text(alphabet, min_size=0, max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(words, max_size=12), st.lists(words.filter(lambda w: "*" not in w
                                                          and "?" not in w), max_size=12))
def test_index_agrees_with_fnmatch(patterns, names):
    index = Patterns(patterns)
    globs = [p for p in set(patterns) if any(c in p for c in "*?[")]
    for name in names:
        assert sorted(index.matching(name)) == sorted(p for p in globs if fnmatchcase(name, p))
    by_name = Names(names)
    for p in patterns:
        assert sorted(by_name.matching(p)) == sorted(n for n in set(names) if fnmatchcase(n, p))


def test_literal_prefix():
    assert literal_prefix("*-device-added") == ""
    assert literal_prefix("net-[ab]-up") == "net-"
    assert literal_prefix("plain") == "plain"
