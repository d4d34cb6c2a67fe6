"""upgraph lint: findings with codes and positions, in text, JSON and SARIF."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, REPO, corpus_dirs, run, write_jobs


@pytest.fixture
def sample(jobdir):
    return jobdir({
        "a.conf": "start on started b\n",
        "b.conf": "start on started a and startup\n",
        "typo.conf": "start on local-filesystem\n",
        "ghost.conf": "start on stopped nosuchjob or startup\n",
        "chatty.conf": "emits declared\nscript\n  initctl emit --no-wait hidden X=1\nend script\n",
        "listener.conf": "start on declared or hidden\n",
        "off.conf": "start on startup\n", "off.override": "manual\n",
        "dbus.conf": "start on user-login\n",
        "lost.conf": "emits nobody-cares\n",
        "bad.conf": "start on foo a=b c\n",
        "vendor.conf": "tmpfiles /x\n",
        "mountall.conf": "emits local-filesystems\n",
    })


def test_text_findings_compiler_style(sample):
    res = run("lint", "-d", str(sample))
    d = str(sample)
    assert res.out == "\n".join([
        f"{d}/a.conf:1:1: warning: jobs wait for each other to start: a -> b -> a [cycle]",
        f"{d}/bad.conf:1:18: error: Expected variable name before value [syntax-error]",
        f"{d}/chatty.conf:2:1: warning: a script runs `initctl emit hidden` but no "
        "`emits hidden` stanza declares it [undeclared-emit]",
        f"{d}/dbus.conf:1:1: warning: start condition can never become true (it waits for "
        "something that never happens): the job never starts by itself [never-starts]",
        f"{d}/dbus.conf:1:10: warning: nothing emits 'user-login' (start on user-login) "
        "[unknown-event]",
        f"{d}/ghost.conf:1:10: warning: 'stopped nosuchjob' names job 'nosuchjob', which does "
        "not exist [unknown-job]",
        f"{d}/lost.conf:1:7: info: emits 'nobody-cares' but no job listens for it [unused-emit]",
        f"{d}/mountall.conf:1:7: info: emits 'local-filesystems' but no job listens for it "
        "[unused-emit]",
        f"{d}/off.override:1:1: info: disabled by override {d}/off.override: never starts "
        "automatically [disabled]",
        f"{d}/typo.conf:1:1: warning: start condition can never become true (it waits for "
        "something that never happens): the job never starts by itself [never-starts]",
        f"{d}/typo.conf:1:10: warning: nothing emits 'local-filesystem' (start on "
        "local-filesystem); did you mean local-filesystems, filesystem? [unknown-event]",
        f"{d}/vendor.conf:1:1: warning: Unknown stanza 'tmpfiles' (kept the job) "
        "[unknown-stanza]",
    ]) + "\n"
    assert res.rc == 1  # one error, default --fail-on error


def test_fail_on_thresholds(tmp_path):
    d = write_jobs(tmp_path / "warn", {"x.conf": "start on nothing-emits-this\n"})
    assert run("lint", "-d", str(d)).rc == 0
    assert run("lint", "--fail-on", "warning", "-d", str(d)).rc == 1
    clean = write_jobs(tmp_path / "clean", {"y.conf": "emits e\n", "z.conf": "start on e\n"})
    assert run("lint", "--fail-on", "info", "-d", str(clean)).rc == 0
    assert run("lint", "--fail-on", "bogus", "-d", str(clean)).rc == 2


def test_emitter_option_and_config_file(jobdir):
    d = jobdir({"ui.conf": "start on start-user-session\nstop on stop-user-session\n"})
    assert "unknown-event" in run("lint", "-d", str(d)).out
    res = run("lint", "--emitter", "session_manager:start-user-session,stop-user-session",
              "-d", str(d))
    assert res.out == ""
    (d / "upgraph.toml").write_text(
        'ignore-events = ["stop-user-session"]\n'
        '[emitters]\nsession_manager = ["start-user-session"]\n')
    assert run("lint", "-d", str(d)).out == ""
    (d / "upgraph.toml").unlink()
    (d / "pyproject.toml").write_text(
        '[tool.upgraph]\nignore-events = ["start-user-session", "stop-user-session"]\n')
    assert run("lint", "-d", str(d)).out == ""


def test_json_and_sarif(sample):
    data = json.loads(run("lint", "--format", "json", "-d", str(sample)).out)
    assert data["counts"] == {"error": 1, "warning": 8, "info": 3}
    first = data["findings"][0]
    assert (first["code"], first["severity"], first["line"], first["col"]) == \
        ("cycle", "warning", 1, 1)
    sarif = json.loads(run("lint", "--format", "sarif", "-d", str(sample)).out)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert len(results) == 12
    levels = {r["level"] for r in results}
    assert levels == {"error", "warning", "note"}
    loc = results[1]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("bad.conf")
    assert loc["region"] == {"startLine": 1, "startColumn": 18}
    rule_ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} <= rule_ids


def test_who_emits_lists_inferred_script_emitters(sample):
    res = run("who-emits", "hidden", "-d", str(sample))
    assert res.out == "chatty inferred\n"
    # show-config and check-config know only declared emits, like initctl
    assert run("show-config", "chatty", "-d", str(sample)).out == "chatty\n  emits declared\n"


def test_or_alternative_is_not_a_cycle(jobdir):
    d = jobdir({"a.conf": "start on started b or startup\n", "b.conf": "start on started a\n"})
    assert "cycle" not in run("lint", "-d", str(d)).out


@pytest.mark.parametrize("d", corpus_dirs(), ids=lambda p: p.name)
def test_corpora_lint_without_errors(d):
    res = run("lint", "--format", "json", "-d", str(d))
    data = json.loads(res.out)
    assert data["counts"]["error"] == 0 and res.rc == 0
    codes = {f["code"] for f in data["findings"]}
    assert "cycle" not in codes


def test_fixtures_lint_and_precommit_hook_file():
    res = run("lint", "-d", str(FIXTURES))
    assert "run-ready" in res.out and "[undeclared-emit]" in res.out
    hooks = (REPO / ".pre-commit-hooks.yaml").read_text()
    assert "id: upgraph-lint" in hooks and "entry: upgraph lint" in hooks
