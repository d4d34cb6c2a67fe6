"""Renderers only format: each is given a report built here, in memory, with
no job set read and no analysis run, and its exact output is checked."""

from __future__ import annotations

import json

from upgraph.answers.deps import Deps, Node
from upgraph.answers.lint import Finding, Lint
from upgraph.answers.list import JobList, Row
from upgraph.answers.who_emits import Emitters
from upgraph.answers.who_listens import Listeners
from upgraph.answers.why import Leaf, Reason, Why
from upgraph.knowledge.index import Emitter, Listener
from upgraph.model import Location, Operand
from upgraph.render import render
from upgraph.render.escape import Style


def test_who_emits_text_and_json_from_a_report_in_memory():
    report = Emitters("net-device-*", [
        Emitter("networking", "job", "net-device-up", location="n.conf:3:7"),
        Emitter("udev-bridge", "built-in", "net-device-added", via="*-device-added")])
    assert render(report, "text") == ("networking for net-device-up\n"
                                      "udev-bridge built-in for net-device-added via "
                                      "*-device-added\n")
    data = json.loads(render(report, "json"))
    assert data["event"] == "net-device-*"
    assert [(e["name"], e["event"], e["via"]) for e in data["emitters"]] == [
        ("networking", "net-device-up", None), ("udev-bridge", "net-device-added",
                                                "*-device-added")]


def test_who_listens_and_list_text():
    assert render(Listeners("startup", None, [Listener("a", "start on", "startup", None)]),
                  "text") == "a start on startup\n"
    rows = JobList([Row("apport", "disabled", "manual in a.override:2:1", "task", None,
                        "a.conf:1:1", None),
                    Row("b", "enabled", None, "service", "$X", "b.conf:1:1", "startup")])
    assert render(rows, "text") == (
        "apport  disabled  task     a.conf:1:1  (manual in a.override:2:1)\n"
        "b       enabled   service  b.conf:1:1 instance $X\n")


def test_lint_text_is_compiler_style_and_coloured_only_when_asked():
    report = Lint([Finding("unused-emit", "emits 'x' but no job listens for it",
                           Location("a.conf", 2, 7), "a")])
    line = "a.conf:2:7: info: emits 'x' but no job listens for it [unused-emit]\n"
    assert render(report, "text") == line
    assert render(report, "text", style=Style(color=True)) == line.replace(
        ": info: ", ": \x1b[34minfo\x1b[0m: ")
    sarif = json.loads(render(report, "sarif"))
    assert sarif["runs"][0]["results"][0]["ruleId"] == "unused-emit"


def test_names_are_escaped_in_text():
    report = Emitters("e", [Emitter("evil\x1b[2Jjob", "job", "e")])
    assert render(report, "text") == "evil\\x1b[2Jjob\n"


def test_deps_tree_in_box_lines_or_ascii():
    root = Node("udev", "job")
    for name in ("udev-finish", "udevtrigger"):
        child = Node(name, "job", "start on started udev")
        root.children.append(child)
    report = Deps(root, True, 0)
    assert render(report, "text") == ("udev\n├─ udev-finish (start on started udev)\n"
                                      "└─ udevtrigger (start on started udev)\n")
    assert render(report, "text", style=Style(ascii=True)) == (
        "udev\n|- udev-finish (start on started udev)\n`- udevtrigger (start on started udev)\n")


def test_why_names_its_model_and_marks_operands():
    w = Why("web", False, Reason.NEVER_EMITTED, "web never starts: it waits for `net`: nothing "
            "emits it", "declared-only")
    w.condition = "net"
    w.tree = [(0, "-- net", Leaf(Operand("net", (), Location("w.conf", 1, 10)), "missing",
                                 Reason.NEVER_EMITTED, "nothing emits it"))]
    assert render(w, "text") == ("web never starts: it waits for `net`: nothing emits it\n"
                                 "start on net\n"
                                 "  -- net  <- nothing emits it\n"
                                 "(simulated boot, declared-only model)\n")
    data = json.loads(render(w, "json"))
    assert (data["reason"], data["model"]) == ("never-emitted", "declared-only")


def test_chart_draws_a_hook_wait_before_the_bar_and_says_how_many_never_started():
    from upgraph.answers.boot import Bar, Chart
    from upgraph.render.chart import to_dot

    class Report:
        chart = Chart([Bar("tty1", 2, 6, "service", 4), Bar("rc", 0, 2, "task")], "wave", 6,
                      "boot: 3 job(s) never started", [])

    dot = to_dot(Report())
    assert 'h0 [shape=box, style=filled, fillcolor="#f5c27a"' in dot
    assert "h1 " not in dot  # rc did not wait on a hook
    assert 'label="boot: 3 job(s) never started"' in dot


def test_why_notes_print_under_the_summary():
    w = Why("ui", True, None, "ui starts in wave 5 on `started JOB=system-services INSTANCE=`",
            "real")
    w.notes = ["this rests on a guess: guess: service imageloader-init exits by itself"]
    assert render(w, "text") == (
        "ui starts in wave 5 on `started JOB=system-services INSTANCE=`\n"
        "  note: this rests on a guess: guess: service imageloader-init exits by itself\n"
        "(simulated boot, real model)\n")
    assert json.loads(render(w, "json"))["notes"] == w.notes


def test_fleet_picture_has_a_bar_per_variant_sized_by_hosts():
    from upgraph.answers.fleet import Variant, assemble
    from upgraph.render.fleetchart import WIDTH, to_dot

    big = Variant("k1", ["a", "b", "c", "d"], {"x": "1"}, ["x"], "o1")
    small = Variant("k2", ["e"], {"x": "2"}, [], "o2")
    dot = to_dot(assemble([small, big], {"e": ["x: init: x main process (1) killed by "
                                               "SEGV signal"]}, []))
    assert f"width={WIDTH / 72:.3f}" in dot and f"width={WIDTH / 4 / 72:.3f}" in dot
    assert 'label="1 hosts; changed 1, starts only there 1"' in dot
    assert 'label="5 hosts, 2 job sets, 2 boot outcomes (colour), 1 hosts with failures in ' \
        'their logs"' in dot
