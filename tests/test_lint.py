"""upgraph lint: findings with codes and positions, in text, JSON and SARIF."""

from __future__ import annotations

import json

import pytest
from conftest import CORPORA, FIXTURES, REPO, cli, corpus_sets, needs_shared, write_jobs


@pytest.fixture
def sample(jobdir):
    return jobdir({
        "a.conf": "start on started b\n",
        "b.conf": "start on started a and startup\n",
        "typo.conf": "start on local-filesystem\n",
        "ghost.conf": "start on stopped nosuchjob or startup\n",
        "chatty.conf": "emits declared\nstart on startup\nscript\n  sleep 1\n"
                       "  initctl emit --no-wait hidden X=1\nend script\n",
        "listener.conf": "start on declared or hidden\n",
        "off.conf": "start on startup\n", "off.override": "manual\n",
        "dbus.conf": "start on user-login\n",
        "lost.conf": "emits nobody-cares\nstart on startup\n",
        "bad.conf": "start on foo a=b c\n",
        "vendor.conf": "tmpfiles /x\nstart on startup\n",
        "mountall.conf": "emits local-filesystems\nstart on startup\n",
        "hand.conf": "exec /bin/true\n",
    })


def test_text_findings_compiler_style(sample):
    res = cli("lint", "--dialect", "upstart", "-d", str(sample))
    d = str(sample)
    assert res.out == "\n".join([
        f"{d}/a.conf:1:1: warning: jobs wait for each other to start: a -> b -> a [cycle]",
        f"{d}/bad.conf:1:18: error: Expected variable name before value [syntax-error]",
        f"{d}/chatty.conf:5:3: warning: a script runs `initctl emit hidden` but no "
        "`emits hidden` stanza declares it [undeclared-emit]",
        f"{d}/dbus.conf:1:10: warning: start condition can never become true (it waits for "
        "`user-login`, which nothing emits): the job never starts by itself [never-starts]",
        f"{d}/ghost.conf:1:10: warning: 'stopped nosuchjob' names job 'nosuchjob', which does "
        "not exist [unknown-job]",
        f"{d}/hand.conf:1:1: info: no `start on`: the job starts only by hand (initctl "
        "start) or from another job's script [no-start-on]",
        f"{d}/lost.conf:1:7: info: emits 'nobody-cares' but no job listens for it [unused-emit]",
        f"{d}/mountall.conf:1:7: info: emits 'local-filesystems' but no job listens for it "
        "[unused-emit]",
        f"{d}/off.override:1:1: info: disabled by override {d}/off.override: never starts "
        "automatically [disabled]",
        f"{d}/typo.conf:1:10: warning: start condition can never become true (it waits for "
        "`local-filesystem`, which nothing emits; did you mean local-filesystems, "
        "filesystem?): the job never starts by itself [never-starts]",
        f"{d}/vendor.conf:1:1: error: Unknown stanza 'tmpfiles'; a chromeos stanza, which "
        "stock Upstart rejects (see --dialect) [unknown-stanza]",
    ]) + "\n"
    assert res.rc == 1  # one error, default --fail-on error


def test_fail_on_thresholds(tmp_path):
    d = write_jobs(tmp_path / "warn", {"x.conf": "start on nothing-emits-this\n"})
    assert cli("lint", "-d", str(d)).rc == 0
    assert cli("lint", "--fail-on", "warning", "-d", str(d)).rc == 1
    clean = write_jobs(tmp_path / "clean", {"y.conf": "emits e\nstart on startup\n",
                                            "z.conf": "start on e\n"})
    assert cli("lint", "--fail-on", "info", "-d", str(clean)).rc == 0
    res = cli("lint", "--fail-on", "bogus", "-d", str(clean))
    assert res.rc == 2 and "--fail-on takes error, warning or info" in res.err


def test_emitter_option_and_config_file(jobdir, tmp_path):
    d = jobdir({"ui.conf": "start on start-user-session\nstop on stop-user-session\n"})
    assert "[never-starts]" in cli("lint", "-d", str(d)).out
    res = cli("lint", "--emitter", "session_manager:start-user-session,stop-user-session",
              "-d", str(d))
    assert res.out == ""
    project = tmp_path / "project"
    project.mkdir()
    (project / "upgraph.toml").write_text(
        'ignore-events = ["stop-user-session"]\n'
        '[emitters]\nsession_manager = ["start-user-session"]\n')
    assert cli("lint", "-d", str(d), cwd=project).out == ""
    (project / "upgraph.toml").unlink()
    (project / "pyproject.toml").write_text(
        '[tool.upgraph]\nignore-events = ["start-user-session", "stop-user-session"]\n')
    assert cli("lint", "-d", str(d), cwd=project).out == ""
    assert cli("lint", "--config", str(project / "pyproject.toml"), "-d", str(d)).out == ""


def test_config_in_the_job_directory_is_never_read(jobdir, tmp_path):
    d = jobdir({"ui.conf": "start on start-user-session\n",
                "upgraph.toml": 'ignore-events = ["start-user-session"]\n'})
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    (empty / ".git").mkdir()
    assert "[never-starts]" in cli("lint", "-d", str(d), cwd=empty).out


def test_disable_drops_codes(jobdir, tmp_path):
    d = jobdir({"ui.conf": "start on nobody\n"})
    cfg = tmp_path / "u.toml"
    cfg.write_text('disable = ["unknown-event", "never-starts"]\n')
    assert cli("lint", "--config", str(cfg), "-d", str(d)).out == ""


@pytest.mark.parametrize(("toml", "message"), [
    ('emitters = ["a"]\n', "emitters: must be a table of NAME = [EVENT, ...]"),
    ('disable = "x"\n', "disable: must be a list of strings"),
    ("ignore-events = 5\n", "ignore-events: must be a list of strings"),
    ('colour = "blue"\n', "colour: unknown setting"),
    ("[emitters]\nx = [1]\n", "emitters.x: must be a list of strings"),
    ("[boot]\nassume = 3\n", "boot.assume: must be a list of strings"),
    ("this is = not toml\n", "not valid TOML"),
])
def test_config_errors_name_file_and_key(jobdir, tmp_path, toml, message):
    d = jobdir({"a.conf": "start on startup\n"})
    cfg = tmp_path / "upgraph.toml"
    cfg.write_text(toml)
    for cmd in ("lint", "who-emits startup", "check-config"):
        res = cli(*cmd.split(), "--config", str(cfg), "-d", str(d))
        assert res.rc == 2 and res.out == ""
        assert res.err.startswith(f"upgraph: {cfg}: ") and message in res.err


def test_json_and_sarif(sample, tmp_path):
    data = json.loads(cli("lint", "--dialect", "upstart", "--format", "json", "-d",
                          str(sample)).out)
    assert data["counts"] == {"error": 2, "warning": 5, "info": 4}
    first = data["findings"][0]
    assert (first["code"], first["severity"], first["line"], first["col"]) == \
        ("cycle", "warning", 1, 1)
    sarif = json.loads(cli("lint", "--format", "sarif", "-d", str(sample),
                           cwd=sample.parent).out)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {r["level"] for r in results} == {"error", "warning", "note"}
    loc = results[1]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "init/bad.conf", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 1, "startColumn": 18}
    rule_ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} <= rule_ids


def test_who_emits_lists_inferred_script_emitters(sample):
    assert cli("who-emits", "hidden", "-d", str(sample)).out == "chatty inferred\n"
    # show-config and check-config know only declared emits, like initctl
    assert cli("show-config", "chatty", "-d", str(sample)).out == \
        "chatty\n  emits declared\n  start on startup\n"


def test_or_alternative_is_not_a_cycle(jobdir):
    d = jobdir({"a.conf": "start on started b or startup\n", "b.conf": "start on started a\n"})
    assert "cycle" not in cli("lint", "-d", str(d)).out


def test_unknown_job_that_was_rejected_says_so(jobdir):
    d = jobdir({"pre-shutdown.conf": "exec 'x\n", "ui.conf": "stop on stopping pre-shutdown\n"})
    out = cli("lint", "-d", str(d)).out
    assert (f"{d}/ui.conf:1:9: info: stop condition can never become true (it waits for "
            "`stopping pre-shutdown`: there is no job pre-shutdown (it was not loaded: "
            f"{d}/pre-shutdown.conf:1:6: Unterminated quoted string)): the job only stops "
            "when told to [stop-never-fires]") in out
    out = cli("lint", "--disable", "stop-never-fires", "-d", str(d)).out
    assert (f"'stopping pre-shutdown' names job 'pre-shutdown', which does not exist (it was "
            f"not loaded: {d}/pre-shutdown.conf:1:6: Unterminated quoted string) "
            "[unknown-job]") in out


def test_two_thousand_glob_emits_are_each_matched_to_their_own_listeners(jobdir):
    """2,000 glob emits, two of them heard: exactly the other 1,998 are
    unused (the glob indexes answer; their speed is bench/'s business)."""
    files = {f"g{i}.conf": f"emits *-thing-{i}\nstart on startup\n" for i in range(2000)}
    files["l.conf"] = "start on a-thing-7 or b-thing-1999\n"
    d = jobdir(files)
    data = json.loads(cli("lint", "--format", "json", "-d", str(d)).out)
    unused = [f for f in data["findings"] if f["code"] == "unused-emit"]
    assert len(unused) == 1998


@needs_shared
@pytest.mark.parametrize("jobset", corpus_sets())
def test_corpora_lint_without_errors(jobset):
    args = ["--session"] if "session" in jobset else []
    res = cli("lint", *args, "--format", "json", "-d", str(CORPORA / jobset))
    data = json.loads(res.out)
    assert data["counts"]["error"] == 0 and res.rc == 0
    assert "cycle" not in {f["code"] for f in data["findings"]}


def test_fixtures_lint():
    res = cli("lint", "-d", str(FIXTURES))
    assert f"{FIXTURES}/mounted-run.conf:6:5: warning: a script runs `initctl emit " \
           "run-ready`" in res.out



def test_lint_files_as_the_precommit_hook_passes_them(tmp_path):
    """Files are linted within their job directory, named as Upstart names
    them, and only their own findings are shown."""
    repo = tmp_path / "repo"
    write_jobs(repo / "etc" / "init", {"ok.conf": "start on started net/apache\n",
                                       "net/apache.conf": "start on nobody-emits\n",
                                       "other.conf": "start on nothing\n"})
    write_jobs(repo / "nginx", {"site.conf": "server { listen 80; }\n"})
    res = cli("lint", "--fail-on", "warning", "etc/init/ok.conf", "etc/init/net/apache.conf",
              cwd=repo)
    assert res.out == (
        "etc/init/net/apache.conf:1:10: warning: start condition can never become true (it "
        "waits for `nobody-emits`, which nothing emits): the job never starts by itself "
        "[never-starts]\n")
    assert res.rc == 1
    import re

    hook = (REPO / ".pre-commit-hooks.yaml").read_text()
    pattern = re.search(r"files: (.+)", hook).group(1)
    assert re.search(pattern, "etc/init/ok.conf") and re.search(pattern, "x/init/a.override")
    assert not re.search(pattern, "nginx/site.conf")


def test_lint_file_outside_a_job_directory_is_read_alone(tmp_path):
    """A file with no `init` directory above it is linted on its own, as
    init-checkconf would: its directory's other files are never read (a
    file at / must not make upgraph read the whole file system)."""
    write_jobs(tmp_path / "etc", {"mine.conf": "start on started other\n",
                                  "other.conf": "start on startup\n"})
    res = cli("lint", "--no-cache", "etc/mine.conf", cwd=tmp_path)
    assert res.out == (
        "etc/mine.conf:1:10: warning: start condition can never become true (it waits for "
        "`started other`: there is no job other): the job never starts by itself "
        "[never-starts]\n")
    res = cli("lint", "/nonexistent.conf", cwd=tmp_path)
    assert (res.rc, res.out) == (2, "")
    assert res.err == "upgraph: /nonexistent.conf: no such file\n"
