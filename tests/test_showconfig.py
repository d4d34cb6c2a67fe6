"""show-config and show-config -e: printed byte for byte, and read back."""

from __future__ import annotations

import subprocess

import pytest
from conftest import FIXTURES, cli, needs_shared
from hypothesis import given, settings
from hypothesis import strategies as st


def test_full_record_order_emits_start_stop(jobdir):
    d = jobdir({"foo.conf": "stop on (bar HELLO=world testing=123 or stopping wibble)\n"
                            "emits boing\nstart on starting A and (B or C var=2)\n"
                            "emits blip\n"})
    res = cli("show-config", "-d", str(d))
    assert res.out == (
        "foo\n  emits boing\n  emits blip\n"
        "  start on (starting A and (B or C var=2))\n"
        "  stop on (bar HELLO=world testing=123 or stopping wibble)\n")


def test_enumerated_form(jobdir):
    d = jobdir({"foo.conf": "emits bong\n"
                "start on starting boo P=Q c=sea and B x=y or runlevel [016]\n"
                "stop on A or stopping c=d JOB=bang e=f g=h\n"})
    res = cli("show-config", "-e", "-d", str(d))
    assert res.out == (
        "foo\n  emits bong\n"
        "  start on starting (job: boo, env: P=Q c=sea)\n"
        "  start on B (job:, env: x=y)\n"
        "  start on runlevel (job:, env: [016])\n"
        "  stop on A (job:, env:)\n"
        "  stop on stopping (job: bang, env: c=d e=f g=h)\n")


def test_job_event_without_job_and_first_job_arg_wins(jobdir):
    d = jobdir({"a.conf": "start on started x=y\nstop on stopped foo JOB=bar\n",
                "q.conf": 'start on stopping JOB="a b"\n'})
    assert cli("show-config", "-e", "-d", str(d)).out == (
        "a\n  start on started (job:, env: x=y)\n"
        "  stop on stopped (job: foo, env: JOB=bar)\n"
        "q\n  start on stopping (job: a b, env:)\n")


def test_sorted_by_name_and_empty_conf(jobdir):
    d = jobdir({"b.conf": "start on x\n", "a.conf": "", "sub/c.conf": "emits e\n"})
    assert cli("show-config", "-d", str(d)).out == \
        "a\nb\n  start on x\nsub/c\n  emits e\n"


def test_one_job_and_unknown_job(jobdir):
    d = jobdir({"a.conf": "start on x\n", "b.conf": "start on y\n"})
    assert cli("show-config", "b", "-d", str(d)).out == "b\n  start on y\n"
    res = cli("show-config", "bb", "-d", str(d))
    assert (res.rc, res.out) == (1, "")
    assert res.err == "upgraph: unknown job 'bb'; did you mean: b?\n"


def test_plain_refused_for_enumerated_input_with_one_message():
    text = cli("show-config", "-e", "-d", str(FIXTURES)).out
    res = cli("show-config", stdin=text)
    assert res.rc == 1 and res.out == ""
    assert res.err.count("\n") == 1
    assert "were read from `show-config -e` text" in res.err and "--enumerate" in res.err


def test_json_gives_conditions_as_text_and_operands(jobdir):
    import json

    d = jobdir({"j.conf": "emits e\nstart on a X=1 or started b\n"})
    data = json.loads(cli("show-config", "--json", "-d", str(d)).out)
    job = data["jobs"][0]
    assert job["name"] == "j" and job["emits"] == ["e"] and job["stop_on"] is None
    assert job["start_on"]["text"] == "(a X=1 or started b)"
    assert [(o["event"], o["job"], o["env"]) for o in job["start_on"]["operands"]] == [
        ("a", None, ["X=1"]), ("started", "b", [])]


# -- reading it back -----------------------------------------------------------

def test_piped_show_config_is_read_from_stdin():
    text = cli("show-config", "-d", str(FIXTURES)).out
    res = cli("who-listens", "startup", stdin=text)
    assert res.out == ("hostname start on startup\nmountall start on startup\n"
                       "udevtrigger start on startup\n")


@pytest.mark.parametrize("form", [[], ["-e"]])
def test_fixtures_round_trip(form):
    first = cli("show-config", *form, "-d", str(FIXTURES)).out
    again = cli("show-config", *form, "-f", "-", stdin=first)
    assert (again.rc, again.out, again.err) == (0, first, "")


def test_grep_excerpt_with_cut_off_first_record():
    text = ("  emits mounted\n  emits virtual-filesystems\n  start on startup\n--\n"
            "udev\n  start on startup\n  stop on runlevel [06]\n")
    res = cli("who-listens", "startup", stdin=text)
    assert res.out == "<unnamed at <stdin>:1> start on startup\nudev start on startup\n"
    assert res.err == ("<stdin>:1:1: warning: 3 line(s) have no job name above them "
                       "(a cut-off record?); shown as <unnamed at ...>\n")
    emit = cli("who-emits", "virtual-filesystems", stdin=text)
    assert emit.out == "<unnamed at <stdin>:1>\nmountall built-in\n"


def test_a_second_start_on_is_a_lost_record_not_a_replacement():
    text = "kmod\n  start on (startup and started udev)\n  start on runlevel S\n"
    res = cli("who-listens", "startup", stdin=text)
    assert res.out == "kmod start on startup\n" and res.rc == 0
    res = cli("who-listens", "runlevel", stdin=text)
    assert res.out == "<unnamed at <stdin>:3> start on runlevel S\n"
    assert res.err.count("no job name above them") == 1


@pytest.mark.parametrize("text", [
    "a\n  start on x\n  emits y\n",           # emits after a condition
    "a\n  stop on x\n  stop on y\n",          # a second stop on
    "a\n  stop on x\n  start on y\n",         # start after stop (plain)
    "a\n  start on x (job:, env:)\n  stop on y (job:, env:)\n  start on z (job:, env:)\n",
])
def test_lines_out_of_initctl_order_start_a_new_record(text):
    res = cli("show-config", "-e", stdin=text)
    assert "<unnamed at <stdin>:" in res.out
    assert "no job name above them" in res.err


def test_separators_and_a_job_named_dashes():
    excerpt = "a\n  start on x\n--\nb\n  start on y\n"
    assert cli("show-config", stdin=excerpt).out == "a\n  start on x\nb\n  start on y\n"
    named = "--\n  start on x\nb\n  start on y\n"  # grep never starts with --
    assert cli("show-config", stdin=named).out == named


def test_grep_excerpt_finds_every_listener(tmp_path):
    full = cli("show-config", "-d", str(FIXTURES)).out
    (tmp_path / "full").write_text(full)
    excerpt = subprocess.run(["grep", "-B8", "startup", str(tmp_path / "full")],
                             capture_output=True, text=True).stdout
    assert "--\n" in excerpt
    got = cli("who-listens", "startup", stdin=excerpt).out
    assert got == "hostname start on startup\nmountall start on startup\n" \
        "udevtrigger start on startup\n"


@needs_shared
def test_grep_excerpt_of_a_real_set_finds_every_listener(tmp_path):
    from conftest import CORPORA

    d = CORPORA / "raspbmc"
    want = {ln.split(" ")[0] for ln in cli("who-listens", "startup", "-d", str(d))
            .out.splitlines()}
    for flag in ([], ["-e"]):
        (tmp_path / "full").write_text(cli("show-config", *flag, "-d", str(d)).out)
        excerpt = subprocess.run(["grep", "-B8", "startup", str(tmp_path / "full")],
                                 capture_output=True, text=True).stdout
        got = cli("who-listens", "startup", stdin=excerpt).out
        names = {ln.split(" ")[0] for ln in got.splitlines()}
        assert len(got.splitlines()) >= len(want)
        assert want <= names | {n for n in names if n.startswith("<unnamed")} or \
            len(names) >= len(want)


def test_a_job_file_on_stdin_is_read_as_one_job():
    conf = (FIXTURES / "udev.conf").read_text()
    res = cli("who-listens", "virtual-filesystems", stdin=conf)
    assert res.out == "stdin start on virtual-filesystems\n"
    assert res.rc == 0
    assert res.err == ("<stdin>:1:1: info: <stdin> holds a job file, not show-config output:"
                       " reading it as one job\n")
    assert cli("-q", "who-listens", "virtual-filesystems", stdin=conf).err == ""


@pytest.mark.parametrize("text", [
    "acpid.conf\napport.conf\ncron.conf\n",
    '{\n  "jobs": []\n}\n',
    "total 12\n-rw-r--r-- 1 root root 10 x.conf\n",
])
def test_text_that_is_not_show_config_is_an_error(text):
    res = cli("who-listens", "startup", stdin=text)
    assert res.rc == 2 and res.out == ""
    first = text.split("\n", 1)[0]
    assert res.err == f"upgraph: <stdin>:1:1: not `initctl show-config` output (nor a job " \
        f"file): {first!r}\n"


def test_a_lone_job_name_is_show_config():
    assert cli("show-config", stdin="rc\n").out == "rc\n"


# -- round trips, whatever the names and values ------------------------------

_word = st.one_of(
    st.text(alphabet=st.sampled_from(list("ab=,:- \t\"'$*[]!x")), min_size=0, max_size=6),
    st.sampled_from(["and", "or", "(", ")", "(x", "y)", "JOB=", "JOB=a=b", ", env: y"]))
_name = st.text(alphabet=st.sampled_from(list("ab=,:- \tx+")), min_size=1, max_size=6)


def _conf_word(w: str) -> str:
    return '"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def jobs(draw):
    """Small job sets with hostile names and values (quoted in the .conf)."""
    names = draw(st.lists(_name.filter(lambda n: n.strip() == n or True), min_size=1,
                          max_size=4, unique=True))
    files = {}
    for name in names:
        if "/" in name or name.startswith(".") or not name.strip() or name in ("-",):
            continue
        lines = []
        for _ in range(draw(st.integers(0, 2))):
            lines.append("emits " + _conf_word(draw(_word.filter(bool))))
        for which in ("start", "stop"):
            if draw(st.booleans()):
                ops = []
                for _ in range(draw(st.integers(1, 3))):
                    event = draw(st.sampled_from(["started", "stopping", "e", "x y", ""]))
                    args = draw(st.lists(_word, max_size=3))
                    ops.append(" ".join(_conf_word(w) for w in [event, *args]))
                joins = [draw(st.sampled_from([" and ", " or "])) for _ in ops[1:]]
                cond = ops[0] + "".join(j + o for j, o in zip(joins, ops[1:], strict=True))
                lines.append(f"{which} on {cond}")
        files[name + ".conf"] = "\n".join(lines) + "\n"
    return files


@settings(max_examples=60)
@given(jobs())
def test_round_trip_of_any_names_and_values(tmp_path_factory, files):
    from conftest import write_jobs

    d = write_jobs(tmp_path_factory.mktemp("rt"), files)
    for form in ([], ["-e"]):
        first = cli("show-config", *form, "--no-cache", "-d", str(d))
        if first.rc != 0:
            continue  # a value Upstart itself rejects (a positional after a named one)
        again = cli("show-config", *form, "-f", "-", stdin=first.out)
        assert again.out == first.out, (form, first.out, again.err)
