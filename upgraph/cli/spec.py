"""Every command and option of upgraph, declared once.

Both the typer application (upgraph/cli/app.py: error messages, shell
completion) and the fast path (upgraph/cli/argv.py, which parses the common
invocations without importing typer at all) are built from these tables,
as are the help text and the man page.  Importing this module costs next to
nothing: it is plain data.
"""

from __future__ import annotations


class Opt:
    """An option: FLAGS like ("--conf-dir", "-d"); KIND is flag, str or int."""

    __slots__ = ("dest", "flags", "kind", "default", "help", "metavar", "multiple", "hidden",
                 "choices", "min", "complete")

    def __init__(self, dest: str, flags: tuple[str, ...], kind: str, help: str,
                 default: object = None, metavar: str | None = None,
                 multiple: bool = False, hidden: bool = False,
                 choices: tuple[str, ...] | None = None, min: int | None = None,
                 complete: str | None = None) -> None:
        self.dest, self.flags, self.kind, self.help = dest, flags, kind, help
        self.choices, self.min = choices, min  # checked by the runner, for every command
        self.complete = complete  # what shell completion offers: "job", "event", "dir", "file"
        self.default = (False if kind == "flag" else [] if multiple else None) \
            if default is None else default
        self.metavar = metavar or ("" if kind == "flag" else dest.upper().replace("_", "-"))
        self.multiple, self.hidden = multiple, hidden


class Arg:
    """A positional argument."""

    __slots__ = ("dest", "metavar", "help", "required", "multiple", "complete")

    def __init__(self, dest: str, metavar: str, help: str, required: bool = True,
                 multiple: bool = False, complete: str | None = None) -> None:
        self.dest, self.metavar, self.help = dest, metavar, help
        self.required, self.multiple = required, multiple
        self.complete = complete  # "job", "event", "file" (see Opt)


class Command:
    """One verb: its options, the answer module that makes its report
    (upgraph.answers.ANSWER), the kind of report (which formats it prints
    in: upgraph/render/__init__.py) and its default format."""

    __slots__ = ("name", "summary", "help", "params", "answer", "group", "report", "format")

    def __init__(self, name: str, summary: str, help: str, params: list[Opt | Arg],
                 answer: str, group: str = "Questions", report: str | None = None,
                 format: str = "text") -> None:
        self.name, self.summary, self.help, self.params = name, summary, help, params
        self.answer = answer
        self.group = group
        self.report = report or name
        self.format = format


# -- options every command takes, before or after the command name ----------

GLOBAL = [
    Opt("quiet", ("--quiet", "-q"), "flag", "Hide warnings and notes about the input "
        "(errors are still shown)."),
    Opt("session", ("--session", "--user"), "flag", "A user session's jobs: session-end is "
        "init's own event, and with no source the session job directories are read."),
    Opt("system", ("--system",), "flag", "A system init's jobs (the default).", hidden=True),
    Opt("root", ("--root",), "str", "Analyse an image, chroot or container: every default "
        "path is taken under DIR, and a running Upstart is never asked.", metavar="DIR"),
    Opt("profile", ("--profile",), "str", "Which system the built-in emitters are those of: "
        "ubuntu, chromeos, rhel6 or session (default: detected).", metavar="NAME",
        choices=("ubuntu", "chromeos", "rhel6", "session")),
    Opt("dialect", ("--dialect",), "str", "Which stanzas job files may use: upstart (stock) "
        "or chromeos (adds import, tmpfiles) (default: detected).", metavar="NAME",
        choices=("upstart", "chromeos")),
    Opt("emitter", ("--emitter",), "str", "Declare an emitter upgraph cannot see (a daemon "
        "that emits over D-Bus, say); repeatable.", metavar="NAME:EV1,EV2", multiple=True),
    Opt("ignore_events", ("--ignore-events", "-i"), "str", "Events to treat as emitted, "
        "comma-separated; repeatable.", metavar="A,B", multiple=True),
    Opt("config", ("--config",), "str", "Settings file: upgraph.toml, or pyproject.toml with "
        "[tool.upgraph] (default: found from the working directory).", metavar="FILE"),
    Opt("no_cache", ("--no-cache",), "flag", "Neither read nor write upgraph's cache "
        "(~/.cache/upgraph)."),
    Opt("no_pager", ("--no-pager",), "flag", "Do not page long output on a terminal "
        "(PAGER, else less)."),
    Opt("verbose", ("--verbose", "-v"), "flag", "Say which settings file is in use."),
]

SOURCES = [
    Opt("conf_dir", ("--conf-dir", "-d"), "str", "Directory of job .conf files, searched "
        "recursively (a single .conf file is one job); repeatable: the first directory "
        "holding a job owns it.", metavar="DIR", multiple=True, complete="dir"),
    Opt("infile", ("--infile", "-f"), "str", "`initctl show-config` output, plain or -e "
        "('-' = standard input); repeatable.", metavar="FILE", multiple=True,
        complete="file"),
    Opt("bundle", ("--bundle",), "str", "A bundle from `upgraph collect` (host.tar.gz): its "
        "job files, profile, inittab, `initctl list` and logs.", metavar="FILE",
        complete="file"),
]


def output(default: str, extra: str = "") -> list[Opt]:
    return [
        Opt("format", ("--format",), "str", f"Output format{extra} (default: {default}).",
            metavar="FORMAT"),
        Opt("json", ("--json",), "flag", "Print JSON (the same as --format json)."),
    ]


OUTFILE = Opt("outfile", ("--outfile", "-o"), "str", "Write to FILE instead of standard "
              "output ('-'); replaced atomically.", metavar="FILE")

RESTRICT = [
    Opt("restrict", ("--restrict-to-jobs", "-r"), "str", "Only these jobs and their "
        "neighbourhood (comma-separated, globs allowed: 'arc-*'; repeatable).",
        metavar="JOB,JOB", multiple=True, complete="job"),
    Opt("depth", ("--depth",), "int", "With -r: how many steps out the neighbourhood "
        "reaches.", default=1, metavar="N", min=1),
    Opt("direction", ("--direction",), "str", "With -r: down (what they wait for), up (what "
        "waits for them) or both.", default="both", metavar="WAY",
        choices=("down", "up", "both")),
    Opt("compat", ("--compat",), "flag", "With -r: exactly initctl2dot's neighbourhood."),
]

MODEL = [
    Opt("model", ("--model",), "str", "What job processes do: declared (only the events "
        "they declare), scripts (also the initctl/start/stop/telinit lines of their "
        "scripts), real (scripts plus the outside world: built-in emitters, the default "
        "runlevel, services whose program exits).", default="real", metavar="MODEL",
        choices=("declared", "scripts", "real")),
    Opt("declared_only", ("--declared-only",), "flag", "The same as --model declared."),
    Opt("branches", ("--branches",), "str", "Script lines inside if/case/loops/&&/||: all "
        "(each performed once, in order) or none (only unconditional lines).",
        default="all", metavar="WHICH", choices=("all", "none")),
    Opt("exits", ("--exits",), "str", "Services whose main process exits by itself "
        "(comma-separated; repeatable).", metavar="JOB,JOB", multiple=True, complete="job"),
    Opt("stays", ("--stays",), "str", "Services the real model guesses exit, that stay "
        "running (comma-separated; repeatable).", metavar="JOB,JOB", multiple=True,
        complete="job"),
    Opt("assume", ("--assume",), "str", "An event from outside at boot, with its environment "
        "in shell words ('net-device-up IFACE=eth0'); repeatable.", metavar="'EVENT K=V'",
        multiple=True),
    Opt("runlevel", ("--runlevel",), "str", "The system's default runlevel, 0-6 or S "
        "(default: /etc/inittab's initdefault, else 2; RHEL 6: 3).", metavar="N"),
    Opt("order", ("--order",), "str", "Order of jobs within one step: upstart (its hash "
        "order) or alpha.", default="upstart", metavar="ORDER", choices=("upstart", "alpha")),
    Opt("bound", ("--bound",), "int", "Stop a boot that has not settled after this many "
        "events (a livelock) (default: 20,000, or 4 per job in larger sets).",
        default=0, metavar="N", min=0),
]

LISTING = Opt("listing", ("--list",), "str", "`initctl list` (or `initctl status`) output "
              "from the machine: its real end state ('-' = standard input).",
              metavar="FILE", complete="file")

LOGS = [
    Opt("log", ("--log",), "str", "A log of a real boot: dmesg output, kern.log, syslog, "
        "messages, ChromeOS upstart.log, plain or .gz ('-' = standard input; default: "
        "piped input, else the system's own log); repeatable.", metavar="FILE",
        multiple=True, complete="file"),
    Opt("boot", ("--boot", "-b"), "int", "Which boot of the log: 0 the last (default), -1 "
        "the one before, 1 the first (as journalctl -b).", metavar="N"),
]

COLORS = [Opt(f"color_{name.replace('-', '_')}", (f"--color-{name}",), "str", text,
              default=default, metavar="COLOUR")
          for name, default, text in (
              ("emits", "green", "Colour of 'emits' lines."),
              ("start-on", "blue", "Colour of 'start on' lines."),
              ("stop-on", "red", "Colour of 'stop on' lines."),
              ("event", "thistle", "Colour of event diamonds."),
              ("text", "black", "Colour of the legend text."),
              ("bg", "white", "Background colour."),
              ("event-text", "black", "Colour of text in events."),
              ("job-text", "black", "Colour of text in jobs."),
              ("job", "#DCDCDC", "Colour of job boxes."))]

COMMANDS = [
    Command("who-emits", "Who emits EVENT: jobs, then built-in emitters.",
            "Every job whose `emits` covers EVENT (`via PATTERN` when a glob covers it; "
            "`inferred` when only an `initctl emit` line in its script says so), then the "
            "system's built-in emitters (init, bridges, tools) and configured ones.",
            [Arg("event", "EVENT", "Event name (globs allowed: 'net-device-*').", complete="event"),
             *SOURCES, *output("text", ": text or json")], "who_emits"),
    Command("who-listens", "Who waits for EVENT in a start or stop condition.",
            "Every job whose start or stop condition mentions EVENT, one line per mention, "
            "with the operand as written.",
            [Arg("event", "EVENT", "Event name (globs allowed).", complete="event"),
             Opt("start", ("--start",), "flag", "Only start conditions."),
             Opt("stop", ("--stop",), "flag", "Only stop conditions."),
             Opt("job", ("--job",), "str", "Only job events (started, ...) naming this job.",
                 metavar="NAME", complete="job"),
             *SOURCES, *output("text", ": text or json")], "who_listens"),
    Command("show", "One job: where, its conditions, what it waits for, who waits for it.",
            "Where JOB is defined, its conditions in initctl's form, what it emits, what "
            "each operand of its conditions waits for (and who emits that), and who waits "
            "for it.",
            [Arg("job", "JOB", "Job name (e.g. mountall, net/apache).", complete="job"),
             *SOURCES, *output("text", ": text or json")], "show"),
    Command("list", "Every job and whether it starts by itself (an offline initctl list).",
            "Every job with its state of configuration: enabled, disabled (by `manual`, and "
            "in which file), or by-hand (no `start on`); task or service; instance; where "
            "it is defined.",
            [LISTING, *SOURCES, *output("text", ": text or json")], "list"),
    Command("show-config", "What `initctl show-config` prints, byte for byte.",
            "What `initctl show-config` prints for the same jobs, sorted by name.",
            [Arg("job", "JOB", "Only this job.", required=False, complete="job"),
             Opt("enumerate", ("--enumerate", "-e"), "flag",
                 "One line per operand, as initctl show-config -e."),
             *SOURCES, *output("text", ": text or json")], "show_config", "initctl, offline"),
    Command("check-config", "What `initctl check-config` prints, and its exit status.",
            "What `initctl check-config` prints for the same jobs: unknown events and "
            "jobs, by initctl's own rules (events are known when some job's `emits` "
            "covers them, when init emits them, or when --ignore-events names them).",
            [Arg("job", "JOB", "Only report this job.", required=False,
                 complete="job"),
             Opt("warn", ("--warn", "-w"), "flag",
                 "Report every unknown operand (each `or` counts as `and`)."),
             *SOURCES, *output("text", ": text or json")], "check_config", "initctl, offline"),
    Command("lint", "Problems initctl never reports: dead conditions, cycles, typos...",
            "Findings with stable codes, severities and positions: unknown events and "
            "jobs, conditions that can never become true, cycles, undeclared and unused "
            "emits, disabled jobs, vendor stanzas.",
            [Arg("paths", "PATH", "Job files or directories (for pre-commit): each file's "
                 "job directory is read (the nearest `init` directory above it, else its "
                 "own), and only findings in the files given are reported.",
                 required=False, multiple=True),
             Opt("disable", ("--disable",), "str", "Do not report these rules (codes, "
                 "comma-separated; repeatable), as `disable` in upgraph.toml does.",
                 metavar="RULE,RULE", multiple=True, complete="rule"),
             Opt("fail_on", ("--fail-on",), "str", "Exit 1 on findings of this severity or "
                 "worse: error, warning or info.", default="error", metavar="LEVEL",
                 choices=("error", "warning", "info")),
             *SOURCES, *output("text", ": text, json or sarif"), OUTFILE], "lint", "Checks"),
    Command("dot", "Draw the job graph as initctl2dot does (dot, SVG, PNG, PDF).",
            "Draw the graph: boxes are jobs with `start on` and `stop on` ports, diamonds "
            "are events (dotted for globs); green lines are emits, blue start on, red "
            "stop on.  -o NAME.svg|.png|.pdf renders through Graphviz's `dot` program.",
            [Opt("outfile", ("--outfile", "-o", "-w"), "str", "Output file ('-' = standard "
                 "output; .svg, .png and .pdf are rendered) (default: upstart.dot for dot, "
                 "upstart.FORMAT for a picture, standard output for data).",
                 metavar="FILE"),
             *RESTRICT, *COLORS, *SOURCES,
             *output("dot, or the -o file's extension", ": dot, svg, png, pdf, json, "
                     "graphml or mermaid")], "dot", "Pictures", report="graph", format="dot"),
    Command("export", "The same graph as data: JSON node-link, GraphML or Mermaid.",
            "The same nodes and edges as `dot` (honouring -r, --depth, --direction), as "
            "data: JSON in networkx node-link form, GraphML, or a Mermaid flowchart.",
            [*RESTRICT, *SOURCES, *output("json", ": json, graphml or mermaid"), OUTFILE],
            "export", "Pictures", report="graph", format="json"),
    Command("boot", "Simulate a boot from `startup`: what starts, in what waves, what stalls.",
            "Simulate a boot from `startup` by Upstart 1.13's rules and print what happens "
            "in waves, the jobs that never start (and why), and anything left stalled.",
            [Opt("to", ("--to",), "str", "Only the chain of events and jobs that leads to "
                 "JOB (its critical chain).", metavar="JOB", complete="job"),
             *MODEL, *LOGS, *SOURCES, *output("text", ": text, json, svg, png or pdf"), OUTFILE],
            "boot", "Boot"),
    Command("why", "Why JOB starts, or does not, in the simulated boot.",
            "Whether JOB starts in the simulated boot and why (not): its condition as a "
            "tree, each operand marked with what happened to it, and the first broken link.",
            [Arg("job", "JOB", "Job name.", complete="job"), *MODEL, *LOGS, *SOURCES,
             *output("text", ": text or json")], "why", "Boot"),
    Command("deps", "What JOB waits for, or (--reverse) what waits for JOB.",
            "The dependency tree of JOB: the events it waits for and the jobs and built-ins "
            "that emit them, recursively; with --reverse, everything that waits for JOB or "
            "for what it emits.",
            [Arg("job", "JOB", "Job name.", complete="job"),
             Opt("reverse", ("--reverse",), "flag", "What waits for JOB instead."),
             Opt("depth", ("--depth",), "int", "How many levels (default: all).",
                 default=0, metavar="N", min=0),
             *SOURCES, *output("text", ": text or json")], "deps", "Boot"),
    Command("emit", "What `initctl emit EVENT` would do after the simulated boot.",
            "After the simulated boot, emit EVENT (with KEY=VALUE environment) and print "
            "the jobs it starts and stops and what follows from them.",
            [Arg("event", "EVENT", "Event name.", complete="event"),
             Arg("env", "KEY=VALUE", "Environment of the event.", required=False,
                 multiple=True),
             *MODEL, *SOURCES, *output("text", ": text or json")], "emit", "Boot"),
]

COMMANDS += [
    Command("collect", "Print a sh script that bundles a host's jobs and logs (tar.gz).",
            "Print a POSIX sh script to run on a host that cannot run upgraph (dash, busybox "
            "sh, bash 4.1): it reads the job directories, inittab, OS release, `initctl` "
            "answers and Upstart's log lines, and writes them as a tar.gz bundle on "
            "standard output for --bundle.  It only reads, and writes nothing on the host "
            "but one temporary directory, removed on exit.",
            [Opt("log_limit", ("--log-limit",), "int", "Bytes of Upstart log lines taken "
                 "from each log (default: 16 MiB).", default=16 << 20, metavar="BYTES",
                 min=4096), *output("text", ": text (the script) or json")], "collect",
            "Machines"),
    Command("diff", "What changes between two job sets, and what it does to the boot.",
            "Compare two job sets (each a job directory, a bundle, show-config text, or a git "
            "revision REV:PATH): jobs added and removed, show-config blocks changed, emitters "
            "and listeners gained or lost per event, lint findings new or gone, and the boot "
            "outcome that changed (jobs that start in one only, with why; critical chains).  "
            "Exit 0: the same; 1: differences; 2: an error (as diff).",
            [Arg("a", "A", "The old side: DIR, bundle, show-config text or REV:PATH.",
                 complete="file"),
             Arg("b", "B", "The new side.", complete="file"),
             Opt("fail_on", ("--fail-on",), "str", "Exit 1 only for these differences: "
                 "new-findings (lint) or boot (the boot outcome); default: any.",
                 metavar="WHAT", choices=("new-findings", "boot")),
             *MODEL, *output("text", ": text or json")], "diff", "Machines"),
    Command("fleet", "Group hosts by job set and boot outcome, from their bundles.",
            "Group the hosts of many bundles (files from `upgraph collect`, or directories "
            "of them) by identical job sets and by identical boot outcomes: each variant, "
            "its hosts, how it differs from the largest one, and the hosts whose logs show "
            "failures.  Bundles are read by every core; --merge combines the --json output "
            "of shards run elsewhere.",
            [Arg("bundles", "BUNDLE", "Bundles, or directories of bundles (with --merge: "
                 "`fleet --json` outputs).", multiple=True, complete="file"),
             Opt("merge", ("--merge",), "flag", "The arguments are `fleet --json` outputs "
                 "of disjoint shards of hosts: combine them."),
             *MODEL, *output("text", ": text, json, or a one-page picture: svg, png or pdf"),
             OUTFILE], "fleet", "Machines"),
    Command("log", "The boot as it happened, from Upstart's own log lines.",
            "Upstart's own record of a real boot (dmesg, kern.log, syslog, messages, "
            "ChromeOS upstart.log, .gz too): each job's state changes, processes and pids, "
            "exits and signals, respawns, the respawn limit and spawn failures, with the "
            "time since boot.  A log of warnings only shows the failures, and says how to "
            "get more.",
            [*LOGS,
             Opt("failed", ("--failed",), "flag", "Only what failed."),
             Opt("list_boots", ("--list-boots",), "flag", "List the boots the log holds."),
             LISTING, *SOURCES,
             *output("text", ": text or json")], "log", "Real boots", format="text"),
    Command("blame", "Which jobs took longest in a real boot (from its log).",
            "Jobs by the time they took from `starting` to `running`, and tasks by their "
            "run (from `starting` to `waiting`), longest first, from the log's own times "
            "(it needs info lines: `initctl log-priority info`, or `--verbose` at boot).",
            [*LOGS, *SOURCES, *output("text", ": text or json")], "blame", "Real boots"),
]

BOOT_COMMANDS = [c for c in COMMANDS if c.group == "Boot"]
BY_NAME = {c.name: c for c in COMMANDS}

PROG = "upgraph"
DESCRIPTION = ("See, check and explain the job graph of an Upstart init system, offline: "
               "from job directories, piped `initctl show-config` text, or a running "
               "Upstart.")

EXIT_CODES = [
    (0, "answered"),
    (1, "answered no: nothing emits or listens, an unknown event, problems reported "
        "(check-config, lint --fail-on), a job that does not start (why), a boot that "
        "does not settle; an unknown job for show-config and check-config (as initctl)"),
    (2, "usage error (an unknown option, value or job name), nothing to read, a "
        "configuration error, or the output cannot be written"),
    (3, "answered, but some input could not be read (a job file Upstart would reject, an "
        "unreadable file, show-config text past its 32 MiB or 200,000 jobs): the answer "
        "covers the rest"),
    (130, "interrupted (Ctrl-C)"),
    (141, "the reader of standard output went away (`upgraph ... | head`), as git exits"),
]

EXAMPLES = [
    ("upgraph who-emits startup", "Who emits `startup` on this machine (/etc/init, or a "
     "running Upstart's show-config)."),
    ("initctl show-config | upgraph who-listens startup", "Who waits for `startup`, from "
     "piped show-config text."),
    ("upgraph lint --fail-on warning -d etc/init", "Check a job directory, as CI would."),
    ("upgraph dot -r mountall,udev -o boot.svg", "Draw two jobs and their neighbourhood."),
    ("upgraph why tty1 --root /srv/image", "Why tty1 starts, or does not, in an image."),
    ('eval "$(upgraph --show-completion bash)"', "Complete commands, options, job and event "
     "names in bash."),
]

FILES = [
    ("/etc/init", "The system's job directory, read when no source is given (and no "
     "running Upstart answers); under --root, taken there."),
    ("~/.config/upstart, ~/.init, /etc/xdg/upstart, /usr/share/upstart/sessions",
     "A session's job directories (--session)."),
    ("$XDG_CACHE_HOME/upgraph (else ~/.cache/upgraph)", "The private cache of earlier "
     "readings (JSON, mode 0700); never created where the home directory does not exist."),
    ("upgraph.toml, pyproject.toml [tool.upgraph]", "Settings, found from the working "
     "directory up to the repository root, or given with --config."),
]

ENVIRONMENT = [
    ("XDG_CACHE_HOME", "Where the cache directory is made (default ~/.cache)."),
    ("UPGRAPH_NO_CACHE", "1: neither read nor write the cache (as --no-cache)."),
    ("NO_COLOR", "Set and not empty: no colour, even on a terminal."),
    ("PAGER", "The pager for long output on a terminal (default less); --no-pager, or an "
     "empty PAGER, prints straight to the terminal."),
    ("LC_ALL, LC_CTYPE, LANG", "A locale that is not UTF-8 gets ASCII tree lines."),
]


def all_params(cmd: Command) -> list[Opt | Arg]:
    """The command's own parameters, then the global options."""
    return [*cmd.params, *GLOBAL]
