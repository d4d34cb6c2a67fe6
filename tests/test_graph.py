"""dot draws initctl2dot's picture (semantics §8), safely, rendered or not;
export gives the same graph as JSON, GraphML and Mermaid."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from conftest import CORPORA, EXPECTED, FIXTURES, cli, corpus_sets, installed, write_jobs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from upgraph.render.escape import safe

HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz `dot` not installed")

_ID = r'"((?:[^"\\]|\\.)*)"'


def _unq(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


def picture(dot_text: str) -> tuple[set, set]:
    """(nodes, edges) of our dot output as (kind, name) and labelled edges."""
    nodes, edges = set(), set()
    for line in dot_text.splitlines():
        m = re.match(rf'\s*{_ID}(?::(\w+))? -> {_ID}(?::(\w+))? \[color="([^"]+)"\];', line)
        if m:
            src, sp, dst, dp, color = m.groups()
            edges.add((_unq(src), sp or "", _unq(dst), dp or "", color))
            continue
        m = re.match(rf"\s*{_ID} \[", line)
        if m:
            kind, _, name = _unq(m.group(1)).partition(":")
            style = "record" if "shape=record" in line else (
                "dotted" if "style=dotted" in line else "filled")
            nodes.add((kind, name, style))
    return nodes, edges


def dot_of(d, *args) -> str:
    res = cli("dot", "-d", str(d), "-o", "-", *args)
    assert res.rc == 0, res.err
    return res.out


SET = {
    "mountall.conf": "start on startup\nemits virtual-filesystems local-filesystems\n",
    "udev.conf": "start on virtual-filesystems\nstop on runlevel [06]\n",
    "trigger.conf": "start on started udev and startup\nstop on stopping udev\n",
    "splash.conf": "start on starting mountall or stopped gdm\n",
    "bridge.conf": "emits *-device-added net-[ab]-up\n",
    "net.conf": "start on net-device-added\nstop on $STOPEV\n",
    "rc.conf": "emits runlevel\nstart on runlevel [0123456]\n",
}

E, J = "event", "job"


def test_unrestricted_picture_matches_initctl2dot_rules(jobdir):
    nodes, edges = picture(dot_of(jobdir(SET)))
    assert nodes == {
        (J, n, "record") for n in
        ["mountall", "udev", "trigger", "splash", "bridge", "net", "rc", "gdm"]
    } | {(E, n, "filled") for n in
         ["startup", "virtual-filesystems", "local-filesystems", "runlevel",
          "net-device-added", "net:$STOPEV"]} | {
        (E, "*-device-added", "dotted"), (E, "net-[ab]-up", "dotted")}
    assert edges == {
        ("event:startup", "", "job:mountall", "start", "blue"),
        ("job:mountall", "job", "event:virtual-filesystems", "", "green"),
        ("job:mountall", "job", "event:local-filesystems", "", "green"),
        ("event:virtual-filesystems", "", "job:udev", "start", "blue"),
        ("event:runlevel", "", "job:udev", "stop", "red"),
        ("job:udev", "job", "job:trigger", "start", "blue"),      # started udev
        ("event:startup", "", "job:trigger", "start", "blue"),
        ("job:udev", "job", "job:trigger", "stop", "red"),        # stopping udev
        ("job:splash", "start", "job:mountall", "job", "blue"),   # starting mountall
        ("job:gdm", "job", "job:splash", "start", "blue"),        # stopped gdm
        ("job:bridge", "job", "event:*-device-added", "", "green"),
        ("event:*-device-added", "", "event:net-device-added", "", "green"),  # it covers
        ("job:bridge", "job", "event:net-[ab]-up", "", "green"),
        ("event:net-device-added", "", "job:net", "start", "blue"),
        ("event:net:$STOPEV", "", "job:net", "stop", "red"),
        ("job:rc", "job", "event:runlevel", "", "green"),
        ("event:runlevel", "", "job:rc", "start", "blue"),
    }


def test_restricted_neighbourhood_compat(jobdir):
    nodes, edges = picture(dot_of(jobdir(SET), "-r", "udev", "--compat"))
    # udev, the emitter of what it waits for, the emitter of runlevel
    assert {n for k, n, _ in nodes if k == J} == {"udev", "mountall", "rc"}
    assert {n for k, n, _ in nodes if k == E} == {"virtual-filesystems", "runlevel"}
    assert edges == {
        ("event:virtual-filesystems", "", "job:udev", "start", "blue"),
        ("event:runlevel", "", "job:udev", "stop", "red"),
        ("job:mountall", "job", "event:virtual-filesystems", "", "green"),
        ("job:rc", "job", "event:runlevel", "", "green"),
    }


def test_restricted_job_whose_stop_names_a_missing_job(jobdir):
    """initctl2dot crashes here; we draw the missing job as it draws others."""
    d = jobdir({"a.conf": "start on startup\nstop on stopped ghost\n"})
    nodes, edges = picture(dot_of(d, "-r", "a", "--compat"))
    assert (J, "ghost", "record") in nodes
    assert ("job:ghost", "job", "job:a", "stop", "red") in edges


def test_depth_widens_and_restriction_syntax(jobdir):
    d = jobdir(SET)
    one = picture(dot_of(d, "-r", "trigger", "--compat"))[0]
    two = picture(dot_of(d, "-r", "trigger", "--depth", "2", "--compat"))[0]
    assert {n for k, n, _ in one if k == J} == {"trigger", "udev"}
    assert {n for k, n, _ in two if k == J} == {"trigger", "udev", "mountall", "rc"}
    assert dot_of(d, "-r", " udev , mountall") == dot_of(d, "-r", "udev", "-r", "mountall")


def test_unknown_restricted_job(jobdir):
    d = jobdir(SET)
    res = cli("dot", "-d", str(d), "-o", "-", "-r", "udev,mountal")
    assert res.rc == 2 and res.out == ""
    assert "unknown job in restriction: 'mountal' (did you mean: mountall?)" in res.err


def test_colours_and_legend_source(jobdir):
    d = jobdir({"a.conf": "start on x\nemits y\n"})
    out = dot_of(d, "--color-emits", "orange", "--color-start-on", "navy", "--color-job",
                 "#123456", "--color-bg", "black", "--color-text", "white")
    assert '[color="orange"]' in out and '[color="navy"]' in out
    assert 'fillcolor="#123456"' in out and 'bgcolor="black"' in out
    assert f"read from {d}" in out


def test_default_outfile_is_upstart_dot(jobdir, tmp_path):
    d = jobdir({"a.conf": "start on x\n"})
    res = cli("dot", "-d", str(d), cwd=tmp_path)
    assert res.rc == 0 and res.out == ""
    assert (tmp_path / "upstart.dot").read_text().startswith("digraph upstart {")


@needs_dot
@pytest.mark.parametrize("name", ["fixtures", *corpus_sets()])
def test_dot_accepts_output_for_every_corpus(name):
    text = dot_of(FIXTURES if name == "fixtures" else CORPORA / name)
    proc = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.lstrip().startswith(("<?xml", "<svg"))


HOSTILE = ['a-b', 'a_b', 'x@y', 'p+q', 'k=v', 'q"uote', 'back\\slash', 'end\\', '{br}|<ace>',
           'sp ace', 'semi;colon', 'üñí', 'a:b', '--', '$VAR', '*glob?', '[ab]c', 'tab\tx']


def _conf_word(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@needs_dot
def test_hostile_names_make_valid_dot(tmp_path):
    jobs = {}
    for i, name in enumerate(HOSTILE):
        nxt = HOSTILE[(i + 1) % len(HOSTILE)]
        jobs[f"j{i}.conf"] = (f"emits {_conf_word(name)}\nstart on {_conf_word(nxt)} or "
                              f"started {_conf_word(name)}\n"
                              f"stop on stopping JOB={_conf_word(nxt)}\n")
    d = write_jobs(tmp_path / "h", jobs)
    text = dot_of(d)
    proc = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    nodes, edges = picture(text)
    names = {n for _, n, _ in nodes}
    # a-b and a_b and the rest all stay distinct, shown escaped one to one
    # (a backslash doubled, a tab as \x09)
    assert {safe(n) for n in HOSTILE} <= names
    # every line joins declared nodes: ids are escaped the same way everywhere
    declared = {f"{kind}:{name}" for kind, name, _ in nodes}
    assert edges and {e for src, _, dst, _, _ in edges for e in (src, dst)} <= declared
    for i, raw in enumerate(HOSTILE):
        name, nxt = safe(raw), safe(HOSTILE[(i + 1) % len(HOSTILE)])
        emitted = f"j{i}:{name}" if name.startswith("$") else name  # a per-job variable
        waited = f"j{i}:{nxt}" if nxt.startswith("$") else nxt
        assert (f"job:j{i}", "job", f"event:{emitted}", "", "green") in edges
        assert (f"event:{waited}", "", f"job:j{i}", "start", "blue") in edges
        if "=" not in name:  # `started k=v` matches an env variable, names no job
            assert (f"job:{name}", "job", f"job:j{i}", "start", "blue") in edges


@needs_dot
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                        max_size=12), min_size=1, max_size=5, unique=True))
def test_any_names_make_valid_dot(tmp_path, names):
    from upgraph.knowledge.graph import build
    from upgraph.knowledge.index import Knowledge
    from upgraph.model import Emit, Job, JobSet, Operand
    from upgraph.render.dot import to_dot

    js = JobSet()
    js.sources = ["legend \\ \" {x}"]
    for i, n in enumerate(names):
        job = Job(n, "x")
        job.start_on = Operand(names[i - 1])
        job.stop_on = Operand("stopped", (names[i - 1],))
        job.emits = [Emit(n)]
        js.jobs[n] = job
    text = to_dot(build(Knowledge(js)))
    proc = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True)
    assert proc.returncode == 0, (names, proc.stderr)


@needs_dot
@pytest.mark.parametrize("ext", ["svg", "png", "pdf"])
def test_rendering_writes_the_format(tmp_path, ext):
    out = tmp_path / f"g.{ext}"
    res = cli("dot", "-d", str(FIXTURES), "-r", "udev", "-o", str(out))
    assert res.rc == 0, res.err
    head = out.read_bytes()[:8]
    assert head.startswith({"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF"}[ext])


def test_missing_dot_binary_leaves_existing_file_untouched(tmp_path):
    out = tmp_path / "g.svg"
    out.write_text("previous content")
    env = dict(os.environ, PATH=str(tmp_path))  # no `dot` on this PATH
    proc = subprocess.run([installed(), "dot", "-d", str(FIXTURES), "-o",
                           str(out)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2
    assert "apt-get install graphviz" in proc.stderr and "Traceback" not in proc.stderr
    assert out.read_text() == "previous content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg"]


def test_export_json_is_stable_and_complete(jobdir):
    d = jobdir(SET)
    first = cli("export", "--format", "json", "-d", str(d)).out
    assert first == cli("export", "-d", str(d)).out  # json is export's default
    data = json.loads(first)
    _, edges = picture(dot_of(d))
    colour = {"emits": "green", "covers": "green", "start": "blue", "stop": "red"}

    def drawn(e):  # how dot draws a semantic edge (initctl2dot's ports)
        s, t, k, ev = e["source"], e["target"], e["kind"], e["event"]
        if k == "emits":
            return (s, "job", t, "", colour[k])
        if k == "covers":  # a glob event to each event it covers
            return (s, "", t, "", colour[k])
        if s.startswith("event:"):
            return (s, "", t, k, colour[k])
        if ev == "starting":
            return (t, "start", s, "job", colour[k])
        return (s, "job", t, k, colour[k])

    assert {drawn(e) for e in data["links"]} == edges
    assert all("port" not in key for e in data["links"] for key in e)
    assert [n["id"] for n in data["nodes"]] == sorted(n["id"] for n in data["nodes"])


def test_export_graphml_loads_back(jobdir, tmp_path):
    import networkx as nx

    d = jobdir(SET)
    out = tmp_path / "g.graphml"
    assert cli("export", "--format", "graphml", "-d", str(d), "-o", str(out)).rc == 0
    g = nx.read_graphml(out)
    data = json.loads(cli("export", "--format", "json", "-d", str(d)).out)
    assert set(g.nodes) == {n["id"] for n in data["nodes"]}
    assert set(g.edges) == {(e["source"], e["target"]) for e in data["links"]}
    assert g.nodes["event:*-device-added"]["glob"] is True


def test_export_mermaid_safe_ids_and_restriction(jobdir):
    d = jobdir({"a-b.conf": 'start on "q\\"x" or started "a_b"\n', "a_b.conf": "emits e\n"})
    out = cli("export", "--format", "mermaid", "-d", str(d), "-r", "a-b").out
    lines = out.splitlines()
    assert lines[0] == "flowchart LR"
    assert all(re.match(r"\s+(n\d+|linkStyle|classDef|class)\b", ln) for ln in lines[1:])
    assert 'q#34;x' in out and '["a-b"]' in out and '["a_b"]' in out
    res = cli("export", "--format", "yaml", "-d", str(d))
    assert (res.rc, res.out) == (2, "")
    assert res.err == ("upgraph: unknown format 'yaml'; this command prints: dot, svg, png, "
                       "pdf, json, graphml, mermaid\n")


def test_default_neighbourhood_has_both_directions(jobdir):
    d = jobdir(SET)
    down = picture(dot_of(d, "-r", "udev", "--direction", "down"))[0]
    up = picture(dot_of(d, "-r", "udev", "--direction", "up"))[0]
    both = picture(dot_of(d, "-r", "udev"))[0]
    jobs = lambda nodes: {n for k, n, _ in nodes if k == J}  # noqa: E731
    assert jobs(down) == {"udev", "mountall", "rc"}       # what udev waits for
    assert jobs(up) == {"udev", "trigger"}                # what waits for udev
    assert jobs(both) == jobs(down) | jobs(up)
    assert picture(dot_of(d, "-r", "udev", "--direction", "up", "--depth", "2"))[0] \
        == up  # nothing waits for trigger


def test_restricted_graph_comes_from_the_index_not_the_whole_picture(jobdir):
    """Only the neighbourhood is built: jobs far away are not even read."""
    from upgraph.knowledge.graph import build
    from upgraph.knowledge.index import Knowledge
    from upgraph.read.session import load
    from upgraph.read.sources import SourceSpec

    d = jobdir({**SET, **{f"far{i}.conf": f"start on e{i}\n" for i in range(50)}})
    k = Knowledge(load(SourceSpec([str(d)], cache=False)))
    g = build(k, ["udev"])
    assert not any(j.startswith("far") for j in g.jobs)


def test_wrong_extension_and_format_conflicts(jobdir, tmp_path):
    d = jobdir({"a.conf": "start on x\n"})
    res = cli("dot", "-d", str(d), "-o", str(tmp_path / "x.jpg"))
    assert res.rc == 2 and "unknown format 'jpg'" in res.err
    assert not (tmp_path / "x.jpg").exists()
    res = cli("dot", "-d", str(d), "-o", str(tmp_path / "x.jpg"), "--format", "dot")
    assert res.rc == 0 and (tmp_path / "x.jpg").read_text().startswith("digraph")
    res = cli("dot", "-d", str(d), "-o", "-", "--format", "mermaid")
    assert res.out.startswith("flowchart LR")
    res = cli("dot", "-d", str(d), "--json", "--format", "dot")
    assert res.rc == 2 and "disagree" in res.err


def test_direction_and_depth_are_checked(jobdir):
    d = jobdir(SET)
    assert cli("dot", "-d", str(d), "-r", "udev", "--direction", "sideways").rc == 2
    assert cli("dot", "-d", str(d), "-r", "udev", "--depth", "0").rc == 2


@pytest.mark.parametrize("name", ["fixtures", *corpus_sets()])
def test_the_whole_picture_is_every_jobs_edges_in_order(name):
    """The one-pass drawing of everything gives exactly job_edges' edges, job
    by job, in the same order (the restricted drawings use job_edges)."""
    from upgraph.knowledge.graph import Graph, _everything, job_edges
    from upgraph.knowledge.index import Knowledge
    from upgraph.read.session import load
    from upgraph.read.sources import SourceSpec

    text = EXPECTED / name / "show-config.txt" if name != "fixtures" else None
    spec = SourceSpec(conf_dirs=[str(FIXTURES)], cache=False) if text is None else \
        SourceSpec(infiles=[str(text)], cache=False)
    k = Knowledge(load(spec))
    whole = Graph()
    _everything(k, whole)
    one_by_one = Graph()
    expected = [e for job in k.jobset.sorted_jobs() for e in job_edges(one_by_one, job)]
    assert list(whole.edges) == list(dict.fromkeys(expected))
    assert whole.jobs.keys() == one_by_one.jobs.keys()
    assert whole.events.keys() == one_by_one.events.keys()
