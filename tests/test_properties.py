"""Property tests: any expression, however bracketed and wrapped, prints in
the one canonical form, and that form reads back to itself."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from upgraph.model import BinOp, Job, Operand, canonical
from upgraph.parse.conf import parse_into
from upgraph.parse.showconfig import parse_showconfig

names = st.sampled_from(["a", "b", "startup", "started", "net-device-up", "runlevel", "x_y"])
args = st.lists(st.sampled_from(["[2345]", "udev", "IFACE=lo", "A!=b", "X=$Y", "*"]),
                max_size=2).map(lambda xs: sorted(xs, key=lambda a: "=" in a))
operand = st.builds(lambda n, a: Operand(n, tuple(a)), names, args)
expr = st.recursive(operand, lambda sub: st.builds(
    BinOp, st.sampled_from(["and", "or"]), sub, sub), max_leaves=8)


def to_source(e, draw_parens, wrap) -> str:
    """Write E as a user might: minimal parentheses, extra ones, line breaks."""
    if isinstance(e, Operand):
        text = e.text()
        return f"({text})" if draw_parens() else text
    left = to_source(e.left, draw_parens, wrap)
    right = to_source(e.right, draw_parens, wrap)
    if isinstance(e.right, BinOp):
        right = f"({right})"  # right-nested trees need their parentheses
    sep = "\n   " if wrap() else " "
    return f"({left} {e.op}{sep}{right})"


@settings(max_examples=150, deadline=None)
@given(expr, st.data())
def test_canonical_is_stable(e, data):
    src = to_source(e, lambda: data.draw(st.booleans()), lambda: data.draw(st.booleans()))
    job = Job("j", "j.conf")
    diags: list = []
    assert parse_into(job, f"start on {src}\n", "j.conf", diags), (src, diags)
    assert canonical(job.start_on) == canonical(e)
    jobs, _ = parse_showconfig(f"j\n  start on {canonical(e)}\n", "<t>")
    assert canonical(jobs[0].start_on) == canonical(e)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_parse_or_fail_cleanly(data):
    job = Job("j", "j.conf")
    diags: list = []
    ok = parse_into(job, data.decode("utf-8", "replace"), "j.conf", diags)
    assert ok or any(d.severity == "error" for d in diags)
