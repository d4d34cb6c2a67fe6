"""No input, configuration or option makes a traceback: every way to fail is
a message and a documented exit status, and what is printed is well formed."""

from __future__ import annotations

import json
import re

from conftest import cli, write_jobs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

STATUSES = {0, 1, 2, 3}
# what stderr may hold: our own messages, and diagnostics about the input
_ERR_LINE = re.compile(r"upgraph: .+|(?:.+?:\d+:\d+: |)(?:(?:warning|info): )?.+")
_ERROR = re.compile(r".+?:\d+:\d+: (?!warning: |info: ).+")  # an input error (exit 3)
_UNREAD = re.compile(r"(?m)^.+?:\d+:\d+: error: .+ \[unreadable\]$")  # lint's form of one


def _unread_finding(out: str) -> bool:
    """lint reports input errors as findings on stdout: an `unreadable` error."""
    if out.startswith("{"):
        return any(f["code"] == "unreadable" and f["severity"] == "error"
                   for f in json.loads(out).get("findings", []))
    return _UNREAD.search(out) is not None


def well_formed(res: object) -> None:
    """The exit status says what stderr says: 2 comes with a message and no
    answer, 3 with an input error, and no line is blank or a traceback."""
    rc, out, err = res.rc, res.out, res.err  # type: ignore[attr-defined]
    assert rc in STATUSES, res
    if err.startswith("Usage: upgraph"):  # a usage error, in click's form: exit 2
        assert rc == 2 and out == "" and "\nError: " in err, res
        return
    lines = err.splitlines()
    assert all(line and _ERR_LINE.fullmatch(line) for line in lines), res
    if rc == 2:
        assert lines and out == "", res
    if rc == 3:
        assert any(_ERROR.fullmatch(line) for line in lines) or _unread_finding(out), res

_conf_bytes = st.one_of(
    st.binary(max_size=200),
    st.lists(st.sampled_from([
        b"start on ", b"stop on ", b"emits ", b"exec ", b"script\n", b"end script\n",
        b"pre-start ", b"manual\n", b"(", b")", b" and ", b" or ", b'"', b"'", b"\\",
        b"\\\n", b"\n", b"#", b"x", b"JOB=", b"=", b"$V", b"[016]", b"\xff", b"\xef\xbb\xbf",
        b"\t", b"import X\n", b"instance $X\n", b"task\n", b"nice 99\n",
    ]), max_size=30).map(b"".join))


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(_conf_bytes, min_size=1, max_size=3),
       override=st.one_of(st.none(), _conf_bytes))
def test_any_job_files(tmp_path_factory, files, override):
    jobs: dict[str, str | bytes] = {f"j{i}.conf": data for i, data in enumerate(files)}
    if override is not None:
        jobs["j0.override"] = override
    d = write_jobs(tmp_path_factory.mktemp("fz"), jobs)
    for args in (["show-config"], ["show-config", "-e"], ["check-config", "--warn"],
                 ["lint", "--format", "json"], ["dot", "-o", "-"], ["list"]):
        res = cli(*args, "--no-cache", "-d", str(d))
        well_formed(res)
        # it reads back (unless a name had to be shown escaped: that is a display)
        if args == ["show-config"] and res.rc in (0, 3) and res.out and "\\" not in res.out:
            again = cli("show-config", stdin=res.out)
            assert (again.rc, again.out) == (0, res.out), (res, again)


_sc_lines = st.lists(st.one_of(
    st.sampled_from(["job", "  emits x", "  start on (a or b)", "  stop on c",
                     "  start on e (job: j, env: A=1)", "  stop on x (job:, env:)", "--",
                     "  start on ((", "  start on )", "  start on a and", "", "\t", "  emits",
                     "  start on (job:, env:)", "x (job:", "{", "  start on  (job: , env:)"]),
    st.text(max_size=20)), max_size=15)


@settings(max_examples=200)
@given(_sc_lines)
def test_any_show_config_text(lines):
    text = "\n".join(lines) + "\n"
    for args in (["show-config", "-e"], ["who-listens", "a"], ["check-config"],
                 ["dot", "-o", "-"], ["who-emits", "x"]):
        res = cli(*args, stdin=text)
        well_formed(res)


_toml = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from([
        'ignore-events = ["a"]\n', "ignore-events = 5\n", 'disable = "x"\n',
        '[emitters]\nx = ["e"]\n', 'emitters = ["a"]\n', "[boot]\nassume = [1]\n",
        '[tool.upgraph]\nx = 1\n', "=\n", '[emitters]\n"" = []\n', "bogus = true\n",
    ]), max_size=4).map("".join))


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_toml)
def test_any_configuration(tmp_path_factory, text):
    d = tmp_path_factory.mktemp("cfg")
    (d / "upgraph.toml").write_text(text)
    write_jobs(d / "init", {"a.conf": "start on e\n"})
    for args in (["lint"], ["who-emits", "e"]):
        res = cli(*args, "--config", str(d / "upgraph.toml"), "-d", str(d / "init"))
        well_formed(res)
        if res.rc == 2:
            assert res.err.startswith(f"upgraph: {d}/upgraph.toml: ")


_arg = st.sampled_from(["who-emits", "show", "dot", "lint", "-d", "-f", "-r", "--depth",
                        "-1", "x", "--format", "svg", "--json", "-o", "", "--profile",
                        "nope", "--dialect", "chromeos", "--emitter", ":", "-i", ",",
                        "--fail-on", "--root", "/nonexistent", "--direction", "up", "-"])


@settings(max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_arg, max_size=8))
def test_any_options(tmp_path_factory, argv):
    # in a directory of its own: `-o NAME` writes there, not into the checkout
    res = cli(*argv, stdin="", cwd=tmp_path_factory.mktemp("opts"))
    well_formed(res)
