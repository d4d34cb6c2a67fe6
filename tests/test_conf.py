"""Reading job files: libnih's tokenizing, Upstart's stanza table and errors."""

from __future__ import annotations

import re

import pytest
from conftest import cli
from hypothesis import given, settings
from hypothesis import strategies as st

from upgraph.model import Job, canonical
from upgraph.read.conf import Reader, settle
from upgraph.read.lexer import dequote


def read(text: str, path: str = "j.conf") -> tuple[Job, object, list]:
    job = Job("j", path)
    diags: list = []
    error = Reader(job, text, path, diags).read()
    settle(job)
    return job, error, diags


def start_on(text: str) -> str:
    job, error, _ = read(text)
    assert error is None, (error.message, error.line, error.col)
    return canonical(job.start_on)


# -- libnih tokenizing -------------------------------------------------------

@pytest.mark.parametrize(("raw", "value"), [
    ('"a b"', "a b"),
    ("'single quoted'", "single quoted"),
    ("a\\ b", "a b"),
    ('c="d\\"e"', 'c=d"e'),
    ('"x\n   y"', "x y"),          # a newline in quotes: one space with its blanks
    ('"x  \n  y"', "x y"),
    ('"a\tb"', "a\tb"),            # other blanks inside quotes are kept
    ("foo\\\nbar", "foo bar"),     # escaped newline inside a token
    ('"and"', "and"),
])
def test_dequote(raw, value):
    assert dequote(raw) == value


@pytest.mark.parametrize(("cond", "expected"), [
    ("A or B and C", "((A or B) and C)"),
    ("a or b or c or d", "(((a or b) or c) or d)"),
    ("A and (B FOO=BAR or starting C x=y)", "(A and (B FOO=BAR or starting C x=y))"),
    ("(starting mountall or (runlevel [016] and (stopped gdm or stopped kdm or "
     "stopped xdm A=B or stopping lxdm)))",
     "(starting mountall or (runlevel [016] and (((stopped gdm or stopped kdm) or "
     "stopped xdm A=B) or stopping lxdm)))"),
    ('"and" or B', "(and or B)"),
    ("'single quoted' x='a b'", "single quoted x=a b"),
    ('stopping JOB="a b"', "stopping JOB=a b"),
    ("(((a)))", "a"),
    ("stopping dbus#x", "stopping dbus"),
    ("(a or # comment\n   b\n   and c)", "((a or b) and c)"),
    ("runlevel [!2345] colour=blue or starting rocket",
     "(runlevel [!2345] colour=blue or starting rocket)"),
    ("started $WAIT_FOR", "started $WAIT_FOR"),
    ('foo a\\ b c="d\\"e"', 'foo a b c=d"e'),
    ("net-device-up IFACE!=lo", "net-device-up IFACE!=lo"),
    # a backslash before the newline joins lines outside parentheses too
    ("a \\\n  or b", "(a or b)"),
    ("a or\\\nb", "a or b"),  # one token 'or b' (libnih): an argument
    ('foo "x\n  y"', "foo x y"),
])
def test_conditions_canonical(cond, expected):
    assert start_on(f"start on {cond}\n") == expected


# Line continuation wherever a stanza's arguments are read (libnih rules).
@pytest.mark.parametrize(("text", "check"), [
    ("start on startup\nexec foo \\\n  bar\n", lambda j: j.processes["main"] == "foo bar"),
    ('start on startup\nexec logger -t "x" \\\n  "two words"\n',
     lambda j: j.processes["main"] == 'logger -t "x" "two words"'),
    ("pre-start exec minijail0 -i \\\n  -- /bin/x --wait\n",
     lambda j: j.processes["pre-start"] == "minijail0 -i -- /bin/x --wait"),
    ("post-stop exec a \\\n \\\n b\n", lambda j: j.processes["post-stop"] == "a b"),
    ("emits a \\\n  b\n", lambda j: j.emitted == ["a", "b"]),
    ('description \\\n  "on the next line"\n',
     lambda j: j.description == "on the next line"),
    ("env A=\"x\\\ny\"\n", lambda j: j.env == ["A=x y"]),
    ("start on a \\\n  and b \\\n  or c\n", lambda j: canonical(j.start_on) ==
     "((a and b) or c)"),
    ("exec echo 'a \\\n b'\n", lambda j: j.processes["main"] == "echo 'a b'"),
    ("exec echo 'a\n  b'\n", lambda j: j.processes["main"] == "echo 'a b'"),
    ("exec foo # comment \\\nstart on bar\n",
     lambda j: j.processes["main"] == "foo" and canonical(j.start_on) == "bar"),
])
def test_continuation_in_every_kind_of_stanza(text, check):
    job, error, diags = read(text)
    assert error is None, (error.message, error.line, error.col)
    assert not diags
    assert check(job)


def test_chromeos_style_continuations_fixture():
    """fixtures/chromeos: minijail command lines continued over many lines,
    and the job every other job stops on is loaded."""
    from conftest import REPO

    res = cli("show-config", "-d", str(REPO / "fixtures" / "chromeos"))
    assert res.rc == 0, res.err
    assert res.err == ""
    assert "pre-shutdown\n" in res.out
    assert "  stop on stopping pre-shutdown\n" in res.out


# -- errors, as Upstart reports them ---------------------------------------

ERRORS = [
    ("start on a or\nstart on b\n", "1:14", "Expected event"),
    ("start on a and and b\n", "1:16", "Expected event"),
    ("start on (a\n", "1:12", "Mismatched parentheses"),
    ("start on a)\n", "1:11", "Mismatched parentheses"),
    ("start on (a or\n# only a comment\n b)\n", "2:1", "Expected token"),
    ("start on (a or\n\n b)\n", "2:1", "Expected token"),
    ("script\n  echo hi\n", "1:1", "Unterminated block"),
    ("start on foo a=b c\n", "1:18", "Expected variable name before value"),
    ("exec\n", "1:5", "Expected token"),
    ("pre-start exec\n", "1:15", "Expected token"),
    ("post-stop bogus\n", "1:11", "Unknown stanza"),
    ("env\n", "1:4", "Expected token"),
    ("stop on\n", "1:8", "Expected token"),
    ("start on a (b)\n", "1:12", "Expected operator"),
    ("task now\n", "1:6", "Unexpected token"),
    ("expect forked\n", "1:8", "Unknown stanza"),
    ('description "never closed\n', "1:13", "Unterminated quoted string"),
    ("nice 40\n", "1:6", "Illegal nice value, expected -20 to 19"),
    ("start on and x\n", "1:10", "Expected event"),
    ("start foo\n", "1:7", "Unknown stanza"),
    ("start\n", "1:6", "Expected token"),
    ("exec foo \\", "1:10", "Trailing slash in file"),
    ("kill signal FOO\n", "1:6", "Illegal signal"),
    ("respawn limit 5\n", "1:9", "Expected token"),
    ("umask 999\n", "1:7", "Illegal file creation mask, expected octal integer"),
    ("oom score 5000\n", "1:5", "Illegal oom adjustment, expected -1000 to 1000 or 'never'"),
    ("limit nofile x 1\n", "1:7", "Illegal limit, expected 'unlimited' or integer"),
    ("normal exit x\n", "1:8", "Illegal exit status, expected integer"),
    ("script foo\nend script\n", "1:8", "Unexpected token"),
]


@pytest.mark.parametrize(("text", "where", "message"), ERRORS)
def test_error_position_and_wording(text, where, message):
    _job, error, _ = read(text)
    assert error is not None
    assert (f"{error.line}:{error.col}", error.message) == (where, message)


@pytest.mark.parametrize(("text", "where", "message"), ERRORS[:6])
def test_rejected_job_is_dropped_the_rest_answered(jobdir, text, where, message):
    d = jobdir({"bad.conf": text, "good.conf": "start on startup\n"})
    res = cli("show-config", "-d", str(d))
    assert (res.rc, res.out) == (3, "good\n  start on startup\n")
    assert res.err == f"{d}/bad.conf:{where}: {message}\n"


def test_first_error_of_a_file_is_the_one_reported(jobdir):
    d = jobdir({"two.conf": "emits ok\nnice 40\nstart on foo a=b c\nstart on (a\n"})
    res = cli("show-config", "-d", str(d))
    assert res.err == f"{d}/two.conf:2:6: Illegal nice value, expected -20 to 19\n"
    assert (res.rc, res.out) == (3, "")


def test_every_documented_stanza_loads():
    text = """\
instance $TTY
description "d"
author "a"
version "1"
env A=1
export A B
emits e1 e2
expect fork
task
kill signal TERM
kill timeout 5
reload signal HUP
respawn
respawn limit 10 5
respawn limit unlimited
normal exit 0 1 TERM
console log
umask 022
nice -5
oom score -500
oom never
limit nofile 10 unlimited
chroot /x
chdir /y
setuid u
setgid g
debug
usage "u"
apparmor load /p
apparmor switch p
cgroup cpu
start on a
stop on b
pre-start script
  true
end script
post-start exec true
pre-stop exec true
post-stop script
  true
end script
exec /bin/true
"""
    job, error, diags = read(text)
    assert error is None and not diags
    assert job.task and job.respawn and job.instance == "$TTY"
    assert sorted(job.processes) == ["main", "post-start", "post-stop", "pre-start", "pre-stop"]
    assert job.export == ["A", "B"] and job.env == ["A=1"]


def test_manual_discards_an_earlier_start_on_only():
    assert read("start on a\nmanual\n")[0].start_on is None
    assert canonical(read("manual\nstart on a\n")[0].start_on) == "a"


def test_empty_file_is_a_job():
    job, error, _ = read("")
    assert error is None and job.start_on is None


def test_byte_order_mark_rejects_the_job_as_upstart_would(jobdir):
    d = jobdir({"bom.conf": "\ufeffstart on startup\n", "ok.conf": "start on x\n"})
    res = cli("show-config", "-d", str(d))
    assert res.out == "ok\n  start on x\n"
    assert res.rc == 3
    assert f"{d}/bom.conf:1:1: Unknown stanza (the file starts with a UTF-8 byte-order" \
        in res.err


def test_unknown_stanza_rejects_the_job_with_a_suggestion(jobdir):
    """Upstart refuses a job with an unknown stanza: a typo removes the job."""
    d = jobdir({"t.conf": "stat on startup\ndescripton x\nstart on a\n",
                "u.conf": "descripton x\nstart on b\n", "ok.conf": "start on c\n"})
    res = cli("show-config", "-d", str(d))
    assert res.rc == 3
    assert res.out == "ok\n  start on c\n"
    assert res.err == (
        f"{d}/t.conf:1:1: Unknown stanza 'stat'; did you mean: start on?\n"
        f"{d}/u.conf:1:1: Unknown stanza 'descripton'; did you mean: description?\n")
    assert cli("check-config", "-d", str(d)).rc == 3
    assert [r.split()[0] for r in cli("list", "-q", "-d", str(d)).out.splitlines()] == ["ok"]


def test_vendor_stanzas_are_known_to_their_dialect_and_reject_the_job_in_stock(jobdir):
    d = jobdir({"v.conf": "import FOO\ntmpfiles /x\nstart on a\n", "w.conf": "start on b\n"})
    res = cli("show-config", "-d", str(d))  # detected: ChromeOS, no warnings
    assert (res.rc, res.out, res.err) == (0, "v\n  start on a\nw\n  start on b\n", "")
    res = cli("show-config", "--dialect", "chromeos", "-d", str(d))
    assert (res.rc, res.out, res.err) == (0, "v\n  start on a\nw\n  start on b\n", "")
    res = cli("show-config", "--dialect", "upstart", "-d", str(d))
    assert res.rc == 3 and res.out == "w\n  start on b\n"
    assert res.err == (
        f"{d}/v.conf:1:1: Unknown stanza 'import'; a chromeos stanza, which stock Upstart "
        "rejects (see --dialect)\n")
    res = cli("show-config", "--dialect", "bogus", "-d", str(d))
    assert res.rc == 2 and "--dialect takes upstart or chromeos" in res.err


def test_script_emits_are_inferred_at_their_line():
    job, _, _ = read("emits declared\nscript\n  x=1\n  initctl emit --no-wait found A=1\n"
                     "  initctl emit declared\n  initctl emit $VAR\nend script\n"
                     "post-stop exec initctl emit other\n")
    assert [(e.event, str(e.loc)) for e in job.inferred] == [
        ("found", "j.conf:4:3"), ("other", "j.conf:8:16")]
    assert job.emitted == ["declared"]


def test_very_long_conditions_do_not_recurse():
    ops = 100_000
    job, error, _ = read("start on " + " or ".join(f"e{i}" for i in range(ops)) + "\n")
    assert error is None
    text = canonical(job.start_on)
    assert text.startswith("(" * (ops - 1) + "e0 or e1)")
    nested = 10_000
    job, error, _ = read("start on " + "(" * nested + "a" + ")" * nested + "\n")
    assert error is None and canonical(job.start_on) == "a"
    job, error, _ = read("start on " + "(" * nested + "a or b" + ")" * nested + "\n")
    assert canonical(job.start_on) == "(a or b)"


def test_long_condition_in_a_job_set_is_analysed(jobdir):
    d = jobdir({"big.conf": "start on " + " or ".join(f"e{i}" for i in range(5000)) + "\n",
                "x.conf": "emits e4999\n"})
    res = cli("who-listens", "e4999", "-d", str(d))
    assert res.out == "big start on e4999\n" and res.rc == 0
    res = cli("check-config", "-d", str(d))
    assert res.out.startswith("big\n  start on: unknown event e4998\n")
    assert res.rc == 1


@settings(max_examples=3000)
@given(st.text(alphabet='ab "\'\\\n\t\r#', max_size=14))
def test_dequote_shortcut_is_libnih_copy(text):
    """dequote's shortcut for one kind of quotes on one line gives exactly
    what the character-by-character copy gives, for every argument token."""
    from upgraph.read.lexer import _ARG, _copy

    m = _ARG.match(text)
    if m:
        assert dequote(m.group()) == _copy(m.group(), True)


def test_a_condition_met_again_is_placed_where_it_now_is():
    """Conditions are tokenised once per distinct line text; a repeat gets
    its own line and columns, and one that goes on past its line (open
    parentheses, a continuation) is always read in full."""
    from upgraph.model import operands

    line = "started a or (b X=1 and c)"
    texts = [f"start on {line}\n", f"\n\nstop on   {line}\n",
             f"task\nstart on {line}\n", f"start on {line[:-1]}\n  or d)\n",
             f"start on {line} \\\n  or e\n", f"start on {line}  # again\n"]
    where = []
    for text in texts:
        job, error, _ = read(text)
        assert error is None, text
        cond = job.start_on or job.stop_on
        where.append([(o.text(), o.loc.line, o.loc.col) for o in operands(cond)])
    first = [("started a", 1, 10), ("b X=1", 1, 24), ("c", 1, 34)]
    assert where[0] == first
    assert where[1] == [(t, 3, c + 1) for t, _, c in first]
    assert where[2] == [(t, 2, c) for t, _, c in first]
    assert where[3] == [*first, ("d", 2, 6)]
    assert where[4] == [*first, ("e", 2, 6)]
    assert where[5] == first
    again, _, _ = read(texts[0])
    assert canonical(again.start_on) == "(started a or (b X=1 and c))"


def test_a_quoted_condition_is_dequoted_however_often_it_is_met():
    """Words are taken as they stand only on a line with no quote or
    backslash; a line that has one is dequoted the first time, when it is
    remembered, and when it is met again."""
    from upgraph.model import operands

    for line, want in [("started 'a b' X=\"1 2\"", ("started", "a b", "X=1 2")),
                       ("net\\-up IFACE=eth0 # it's", ("net-up", "IFACE=eth0")),
                       ("runlevel [!2345]", ("runlevel", "[!2345]")),
                       ("( (started  a) )", ("started", "a"))]:
        for _ in range(3):
            job, error, _ = read(f"start on {line}\n")
            assert error is None
            (op,) = operands(job.start_on)
            assert (op.event, *op.args) == want


def _scanned(text: str, read: str) -> tuple:
    """What reading one token (or condition) at the start of TEXT gives:
    the result or Upstart's error, and where the scanner stands after."""
    from upgraph.read.errors import ParseError
    from upgraph.read.lexer import Scanner

    sc = Scanner(text)
    try:
        got: object = getattr(sc, read)() if read != "value" else sc.word(value=True)
    except ParseError as exc:
        got = (exc.message, exc.line, exc.col)
    return got, sc.pos, sc.line, sc.bol


@settings(max_examples=3000)
@given(st.text(alphabet='abnor-() "\'\\\n\t\r#', max_size=16))
def test_one_match_shortcuts_read_as_the_token_rules_do(text):
    """The shortcuts for plain keywords and plain condition lines give what
    the token-by-token rules give (or the same error), on any text."""
    from upgraph.read.lexer import Scanner

    def value_by_token(self: Scanner, value: bool = False) -> tuple[str, int, int]:
        raw, line, col = self.arg()
        return (dequote(raw) if value else raw), line, col

    def stanza_by_lines(self: Scanner) -> bool:  # one blank or comment line at a time
        while self.pos < self.n:
            self.pos = re.compile(r"[ \t\r]*").match(self.text, self.pos).end()
            if self.at_token():
                return True
            self.next_line()
        return False

    for fast, unset in (("word", ("word", Scanner.arg)),
                        ("value", ("word", value_by_token)),
                        ("next_stanza", ("next_stanza", stanza_by_lines)),
                        ("condition", ("_plain_condition", lambda self: []))):
        quick = _scanned(text, fast)
        with pytest.MonkeyPatch.context() as m:
            m.setattr(Scanner, *unset)
            assert _scanned(text, fast) == quick, (fast, text)
