"""The bad-input sweep: many kinds of bad input against the real CLI, each in a subprocess.

Run: .venv/bin/python benchmarks/bad_inputs.py            (--only WORD, --timeout S, --memory-mb N, -j N, -v)

Each kind gets a fresh project folder, runs `python -m mlgate ...` with a timeout and an address-space
limit (RLIMIT_AS: an alias bomb or a stack overflow must not hang or take the machine), and prints its exit
code beside the documented one, whether the message has what/why/fix (an `error:` line, then `  why:` and
`  fix:`), whether a traceback appeared, and the time. Then the totals: "N of M gave what/why/fix and the
right exit code", and each kind that did not, with the first line of its message.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

CONFIG = textwrap.dedent("""\
    model: {name: churn}
    metrics:
      acc: {direction: maximize, min: 0.5}
    data:
      - path: data/*.csv
    train:
      command: python train.py
      runtime: local
    """)
GOOD_METRICS = '{"acc": 0.9}'
GOOD_CSV = "a,b\n1,2\n3,4\n"
TRAIN = textwrap.dedent("""\
    import os, pathlib, sys
    pathlib.Path(os.environ.get("MLGATE_MODEL", "model")).mkdir(parents=True, exist_ok=True)
    pathlib.Path(os.environ.get("MLGATE_MODEL", "model"), "model.txt").write_text("m")
    pathlib.Path("metrics.json").write_text(sys.argv[1] if len(sys.argv) > 1 else open("m.txt").read())
    """)
DROP = ("GITHUB_", "MLFLOW_", "MLGATE_", "RUNNER_")

# --- the bad inputs ---------------------------------------------------------------------------------


def bomb(levels: int = 9) -> str:
    """The billion laughs in YAML, about 400 bytes: 9**levels strings once expanded."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [{','.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def deep_json(depth: int = 100_000) -> str:
    return '{"acc": ' + "[" * depth + "]" * depth + "}"


def deep_yaml(depth: int = 20_000) -> str:
    return "acc: " + "[" * depth + "]" * depth + "\n"


@dataclass
class Case:
    name: str
    group: str
    expected: int
    args: list[str]
    files: dict[str, str | bytes] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    dirs: tuple[str, ...] = ()
    setup: Callable[[Path], None] | None = None
    fsize: int | None = None  # RLIMIT_FSIZE of the mlgate process (a file-size limit, `ulimit -f`)
    # what must also hold afterwards (the case's folder, its output): None when it does, else what broke
    check: Callable[[Path, str], str | None] | None = None


def config_with(extra: str = "", replace: tuple[str, str] = ("", "")) -> str:
    return CONFIG.replace(*replace) + extra


COMPARE = ["compare", "--candidate-metrics", "m.json"]


def cases() -> list[Case]:
    c: list[Case] = []

    def add(name: str, group: str, expected: int, args: list[str], **kwargs: object) -> None:
        c.append(Case(name, group, expected, args, **kwargs))  # type: ignore[arg-type]

    # mlgate.yaml
    cfg = "mlgate.yaml"
    add("config missing", cfg, 2, COMPARE, setup=lambda d: (d / "mlgate.yaml").unlink())
    add("config empty", cfg, 2, COMPARE, files={cfg: ""})
    add("config YAML syntax error", cfg, 2, COMPARE, files={cfg: "model: [unclosed\n"})
    add("config a list, not a mapping", cfg, 2, COMPARE, files={cfg: "- a\n- b\n"})
    add("config unknown field", cfg, 2, COMPARE, files={cfg: config_with("metircs: {}\n")})
    add("config without model", cfg, 2, COMPARE, files={cfg: config_with(replace=("model: {name: churn}\n", ""))})
    add("config wrong type (metrics a list)", cfg, 2, COMPARE,
        files={cfg: "model: {name: churn}\nmetrics: [acc]\n"})
    add("config 480-byte alias bomb", cfg, 2, COMPARE, files={cfg: bomb(9) + config_with("framing: *l9\n")})
    add("config recursive alias", cfg, 2, COMPARE, files={cfg: config_with("framing: &f {decision: *f}\n")})
    add("config 20,000-deep YAML", cfg, 2, COMPARE, files={cfg: config_with("framing: " + "{a: " * 20_000 + "1"
                                                                           + "}" * 20_000 + "\n")})
    add("config duplicate key", cfg, 2, COMPARE, files={cfg: config_with("metrics:\n  acc: {direction: minimize}\n")})
    add("config min: .nan", cfg, 2, COMPARE, files={cfg: config_with(replace=("min: 0.5", "min: .nan"))})
    add("config beat_baseline_by: .nan", cfg, 2, COMPARE,
        files={cfg: config_with(replace=("min: 0.5", "beat_baseline_by: .nan"))})
    add("config min: 1e400", cfg, 2, COMPARE, files={cfg: config_with(replace=("min: 0.5", "min: 1e400"))})
    add("config max_regression: -1", cfg, 2, COMPARE,
        files={cfg: config_with(replace=("min: 0.5", "max_regression: -1"))})
    add("config UTF-16", cfg, 2, COMPARE, files={cfg: CONFIG.encode("utf-16")})
    add("config NUL byte", cfg, 2, COMPARE, files={cfg: CONFIG + "\0\n"})
    add("config 5000-digit integer", cfg, 2, COMPARE, files={cfg: config_with("report: {history: " + "9" * 5000 + "}\n")})
    add("config python tag", cfg, 2, COMPARE, files={cfg: config_with("tracking_uri: !!python/object/apply:os.system [id]\n")})
    add("--config is a directory", cfg, 2, ["--config", "data", *COMPARE])

    # metrics files
    met = "metrics"
    add("candidate metrics missing", met, 2, ["compare", "--candidate-metrics", "absent.json"])
    add("candidate metrics not JSON", met, 2, COMPARE, files={"m.json": '{"acc": '})
    add("candidate metrics a list", met, 2, COMPARE, files={"m.json": "[0.9]"})
    add("candidate metrics empty", met, 2, COMPARE, files={"m.json": ""})
    add("candidate metrics binary", met, 2, COMPARE, files={"m.json": bytes(range(256))})
    add("candidate metrics 100,000-deep JSON", met, 2, COMPARE, files={"m.json": deep_json()})
    add("candidate metrics 20,000-deep YAML", met, 2, ["compare", "--candidate-metrics", "m.yaml"],
        files={"m.yaml": deep_yaml()})
    add("candidate metrics nested alias bomb", met, 2, ["compare", "--candidate-metrics", "m.yaml"],
        files={"m.yaml": "acc: 0.9\n" + bomb(9)})
    add("candidate metrics duplicate key", met, 2, COMPARE, files={"m.json": '{"acc": 0.9, "acc": 0.1}'})
    add("candidate metrics is a directory", met, 2, ["compare", "--candidate-metrics", "data"])
    add("baseline metrics deep", met, 2, COMPARE,
        files={cfg: config_with("baseline: {metrics: base.json}\n"), "base.json": deep_json()})
    add("training metrics 100,000-deep JSON", met, 2, ["train", "--no-register"], files={"m.txt": deep_json()})
    add("training metrics not JSON", met, 2, ["train", "--no-register"], files={"m.txt": "{oops"})
    add("training writes no metrics", met, 2, ["train", "--no-register"],
        files={cfg: config_with(replace=("python train.py", "python -c pass"))})

    # train settings
    trn = "train"
    add("unpinned image", trn, 2, ["train", "--runtime", "docker"],
        files={cfg: config_with(replace=("runtime: local", "runtime: docker\n  image: python:3.11"))})
    add("no train section", trn, 2, ["train"], files={cfg: config_with(replace=(CONFIG[CONFIG.index("train:"):], ""))})
    add("params file bomb", trn, 2, ["train", "--no-register"],
        files={cfg: config_with(replace=("runtime: local", "runtime: local\n  params: params.yaml")),
               "params.yaml": bomb(9)})
    add("training command fails", trn, 1, ["train", "--no-register"],
        files={cfg: config_with(replace=("python train.py", "python -c 'raise SystemExit(3)'"))})

    # the environment
    env = "environment"
    add("GITHUB_EVENT_PATH missing", env, 2, ["validate", "--all"], env={"GITHUB_EVENT_PATH": "absent.json"})
    add("GITHUB_EVENT_PATH a directory", env, 2, ["validate", "--all"], env={"GITHUB_EVENT_PATH": "data"})
    add("GITHUB_EVENT_PATH garbage", env, 2, ["validate", "--all"], env={"GITHUB_EVENT_PATH": "event.json"},
        files={"event.json": "garbage"})
    add("GITHUB_EVENT_PATH binary", env, 2, ["validate", "--all"], env={"GITHUB_EVENT_PATH": "event.json"},
        files={"event.json": bytes(range(256)) * 4})
    add("GITHUB_EVENT_PATH 100,000-deep JSON", env, 2, ["validate", "--all"],
        env={"GITHUB_EVENT_PATH": "event.json"}, files={"event.json": deep_json()})
    add("GITHUB_REPOSITORY not owner/name", env, 2, ["validate", "--all"], env={"GITHUB_REPOSITORY": "x y"})
    add("GITHUB_API_URL not a URL", env, 2, ["report", "--post"],
        env={"GITHUB_API_URL": "not a url", "GITHUB_REPOSITORY": "o/r", "GITHUB_TOKEN": "t"},
        setup=_compare_first)
    add("MLGATE_GITHUB_WRITE_INTERVAL not a number", env, 2, ["validate", "--all"],
        env={"MLGATE_GITHUB_WRITE_INTERVAL": "soon"})
    add("MLGATE_POST not a boolean", env, 2, ["report"], env={"MLGATE_POST": "maybe"})

    # the work directory and its documents
    out = "work dir"
    add("--out is a file", out, 2, ["validate", "--all", "--out", "m.json"])
    add("--out under a file", out, 2, ["validate", "--all", "--out", "m.json/sub"])
    add("report with nothing to report", out, 2, ["report", "--no-post"])
    add("verdict.json not JSON", out, 2, ["report", "--no-post"], files={".mlgate/verdict.json": "{nope"})
    add("verdict.json 100,000-deep", out, 2, ["report", "--no-post"], files={".mlgate/verdict.json": deep_json()})
    add("verdict.json from a newer mlgate", out, 2, ["report", "--no-post"],
        files={".mlgate/verdict.json": '{"schema_version": 99}'})
    add("publish: bundle missing", out, 2, ["publish", "--bundle", "absent"])
    add("publish: bundle meta 50,000-deep", out, 2, ["publish", "--bundle", "bundle"],
        files={"bundle/mlgate-bundle.json": deep_json(50_000)})

    # data and schemas (mlgate validate --all)
    dat = "data"
    val = ["validate", "--all"]
    add("data binary", dat, 2, val, files={"data/train.csv": bytes(range(256)) * 4})
    add("data UTF-16", dat, 2, val, files={"data/train.csv": GOOD_CSV.encode("utf-16")})
    add("data NUL in a row", dat, 2, val, files={"data/train.csv": "a,b\n1,2\n3,\0\n"})
    add("data empty", dat, 2, val, files={"data/train.csv": ""})
    add("data header only", dat, 1, val, files={"data/train.csv": "a,b\n"})
    add("data ragged rows", dat, 2, val, files={"data/train.csv": "a,b\n1,2\n3,4,5,6\n"})
    add("data glob matches nothing", dat, 2, val, files={cfg: config_with(replace=("data/*.csv", "data/*.parquet"))})
    add("data .parquet that is text", dat, 2, val, files={cfg: config_with(replace=("data/*.csv", "data/*.parquet")),
                                                         "data/x.parquet": "a,b\n1,2\n"})
    add("data .csv.gz not gzip", dat, 2, val, files={cfg: config_with(replace=("data/*.csv", "data/*.csv.gz")),
                                                    "data/x.csv.gz": "a,b\n1,2\n"})
    add("data JSON lines 100,000-deep", dat, 2, val,
        files={cfg: config_with(replace=("data/*.csv", "data/*.jsonl")), "data/x.jsonl": deep_json() + "\n"})
    schema_cfg = config_with(replace=("  - path: data/*.csv\n", "  - path: data/*.csv\n    schema: s.yaml\n"))
    add("schema missing", dat, 2, val, files={cfg: schema_cfg})
    add("schema YAML syntax error", dat, 2, val, files={cfg: schema_cfg, "s.yaml": "columns: [a\n"})
    add("schema not pandera", dat, 2, val, files={cfg: schema_cfg, "s.yaml": "columns:\n  a: {dtype: nosuchtype}\n"})
    add("schema alias bomb", dat, 2, val, files={cfg: schema_cfg, "s.yaml": bomb(8) + "columns:\n  a: {dtype: int64, "
                                                                          "checks: {isin: *l8}}\n"})
    add("schema 20,000-deep", dat, 2, val, files={cfg: schema_cfg, "s.yaml": "columns: " + "[" * 20_000
                                                  + "]" * 20_000})
    add("schema duplicate column", dat, 2, val, files={cfg: schema_cfg, "s.yaml": "columns:\n  a: {dtype: int64}\n"
                                                       "  a: {dtype: str}\n"})
    add("schema Python file fails", dat, 2, val,
        files={cfg: schema_cfg.replace("s.yaml", "s.py:S"), "s.py": "raise RuntimeError('boom')\n"})
    c.extend(races_cases())
    c += confine_cases()
    c += sandbox_cases()
    return c + rules_cases() + trust_cases()


# --- issue 20's sandbox kinds: PR code and the registry, what PR code prints -----------------------------

SWEEP_PASSWORD = "sweep-registry-pw-4411"
HOSTILE_TRAIN = textwrap.dedent("""\
    import os, pathlib, sys
    mode = sys.argv[1]
    if mode == "env":
        pathlib.Path("seen.txt").write_text(os.environ.get("MLFLOW_TRACKING_PASSWORD", "") + "|"
                                            + os.environ.get("MLFLOW_TRACKING_URI", ""))
    elif mode == "tag":
        from mlflow import MlflowClient
        try:
            MlflowClient(os.environ.get("MLFLOW_TRACKING_URI")).create_experiment("hacked-by-the-pr")
        except Exception:
            pass
    elif mode == "link":
        d = pathlib.Path(os.environ["MLFLOW_TRACKING_URI"].removeprefix("file://"), "0",
                         os.environ["MLFLOW_RUN_ID"], "params")
        d.mkdir(parents=True, exist_ok=True)
        (d / "leak").symlink_to(pathlib.Path("host-secret.txt").resolve())
    elif mode == "print":
        print("::error title=forged::x\\n##[set-output name=passed;]true\\n  ::add-mask::forged\\n"
              "::stop-commands::guess\\n::guess::\\n::set-output name=passed::forged", end="")
    """)


def _train_case(mode: str) -> dict[str, str]:
    return {"mlgate.yaml": config_with(replace=("command: python train.py",
                                                f"command: {sys.executable} hostile.py {mode} && python train.py")),
            "hostile.py": HOSTILE_TRAIN, "host-secret.txt": "GITHUB_TOKEN=ghs_sweep0host0secret"}


def _store_rows(folder: Path, query: str) -> list[tuple[object, ...]]:
    import sqlite3

    with sqlite3.connect(folder / ".mlgate" / "mlflow.db") as db:
        return list(db.execute(query))


def _no_password_seen(folder: Path, text: str) -> str | None:
    seen = (folder / "seen.txt").read_text() if (folder / "seen.txt").is_file() else "(no seen.txt)"
    if SWEEP_PASSWORD in seen or "mlflow.db" in seen:
        return "the training saw the registry's password or URI"
    return None if seen.startswith("|file://") else f"the training saw {seen[:80]!r}"


def _no_experiment_made(folder: Path, text: str) -> str | None:
    rows = _store_rows(folder, "select name from experiments where name = 'hacked-by-the-pr'")
    return "the training made an experiment in the registry" if rows else None


def _nothing_leaked(folder: Path, text: str) -> str | None:
    rows = _store_rows(folder, "select key, value from params where key = 'leak' or value like '%ghs_sweep%'")
    return "a host file reached the run's params through a symlink" if rows else None


def _nothing_forged(folder: Path, text: str) -> str | None:
    """Both runner rules, outside the `::stop-commands::T` … `::T::` wrapping: nothing the PR printed."""
    token = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = line.strip()
        if token is not None:
            token = None if stripped == f"::{token}::" else token
            continue
        if stripped.startswith("::stop-commands::"):
            token = stripped.removeprefix("::stop-commands::")
            continue
        command = re.match(r"::([\w-]+)([^:]*)::(.*)", stripped)
        ours = command is not None and command.group(1) in ("error", "warning", "notice") \
            and "forged" not in command.group(2) and not command.group(3).startswith("forged")
        if "##[" in line or (command is not None and not ours):
            return f"the runner would read {line[:60]!r}"
    return None


def sandbox_cases() -> list[Case]:
    """Issue 20 items 2 and 6: PR code gets no registry; what it (and a config) prints forges no command."""
    cfg, grp = "mlgate.yaml", "sandbox"
    train = ["train", "--runtime", "local", "--no-register"]
    secret = {"MLFLOW_TRACKING_PASSWORD": SWEEP_PASSWORD, "MLFLOW_TRACKING_USERNAME": "sweep-bot"}
    return [
        Case("training reads the registry password", grp, 0, train, files=_train_case("env"), env=secret,
             check=_no_password_seen),
        Case("training writes to the registry", grp, 0, train, files=_train_case("tag"), check=_no_experiment_made),
        Case("training links its store to a host file", grp, 0, train, files=_train_case("link"),
             check=_nothing_leaked),
        Case("training prints workflow commands", grp, 0, train, files=_train_case("print"),
             env={"GITHUB_ACTIONS": "true"}, check=_nothing_forged),
        Case("config key with \\r::warning::", grp, 2, COMPARE, env={"GITHUB_ACTIONS": "true"},
             files={cfg: config_with('"x\\r::warning::forged": 1\n')}, check=_nothing_forged),
        Case("config key with \\n::set-output", grp, 2, COMPARE, env={"GITHUB_ACTIONS": "true"},
             files={cfg: config_with('"x\\n::set-output name=passed::true": 1\n')}, check=_nothing_forged),
        Case("tracking_credentials: bogus", grp, 2, train,
             files={cfg: config_with("  tracking_credentials: bogus\n")}),
        Case("tracking URI with user:password@", grp, 3, COMPARE,
             env={"MLFLOW_TRACKING_URI": f"http://bot:{SWEEP_PASSWORD}@127.0.0.1:9/"},
             check=lambda _, text: "the password was printed" if SWEEP_PASSWORD in text else None),
    ]


HOST_SECRET = "host-secret-outside-the-repository\n"


def _host(folder: Path) -> Path:
    """A file outside the case's folder (the repository), standing for /etc/shadow."""
    host = folder.parent / f"{folder.name}.host" / "shadow"
    host.parent.mkdir(parents=True, exist_ok=True)
    host.write_text(HOST_SECRET)
    return host


def _link(rel: str, to_folder: bool = False) -> Callable[[Path], None]:
    """A setup: `rel` in the repository becomes a symlink to the host file (or its folder)."""
    def setup(folder: Path) -> None:
        host = _host(folder)
        (folder / rel).unlink(missing_ok=True)
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).symlink_to(host.parent if to_folder else host)
    return setup


def _work_dir_links_out(folder: Path) -> None:
    """`.mlgate` committed as a symlink to a host folder."""
    shutil.rmtree(folder / ".mlgate", ignore_errors=True)
    (folder / ".mlgate").symlink_to(_host(folder).parent)


def _training_links_metrics(folder: Path) -> None:
    host = _host(folder)
    command = f"python train.py && rm metrics.json && ln -s {host} metrics.json"
    (folder / "mlgate.yaml").write_text(config_with(replace=("python train.py", command)))


def _template_includes_environ(folder: Path) -> None:
    _compare_first(folder)
    (folder / "env.md.j2").symlink_to("/proc/self/environ")
    (folder / "t.md.j2").write_text('{% extends "report.md.j2" %}{% block notes %}{% include "env.md.j2" %}'
                                    "{% endblock %}")
    (folder / "mlgate.yaml").write_text(config_with("report: {template: t.md.j2}\n"))


def confine_cases() -> list[Case]:
    """Confinement (issue 20 item 5) and the file-system faults of item 8."""
    c: list[Case] = []
    cfg, grp, train, val = "mlgate.yaml", "confine", ["train", "--no-register"], ["validate", "--all"]

    def runtime_args(*args: str) -> dict[str, str | bytes]:
        listed = ", ".join(f'"{a}"' for a in args)
        return {cfg: config_with(replace=("runtime: local", f"runtime: local\n  runtime_args: [{listed}]"))}

    def add(name: str, expected: int, args: list[str], **kwargs: object) -> None:
        c.append(Case(name, grp, expected, args, **kwargs))  # type: ignore[arg-type]

    evaluate = "evaluate: {data: data/x.csv, label: b, command: 'true', task: binary, predictions: %s}\n"
    add("config evaluate.predictions an absolute host path", 2, val,
        files={cfg: config_with(evaluate % "/etc/passwd")})
    add("config train.params ../ out of the repository", 2, train,
        files={cfg: config_with(replace=("runtime: local", "runtime: local\n  params: ../params.yaml"))})
    add("config data path through a symlinked folder leading out", 2, val,
        files={cfg: config_with(replace=("data/*.csv", "ext/*.csv"))}, setup=_link("ext", to_folder=True))
    add("train.params a symlink to a host file", 2, train,
        files={cfg: config_with(replace=("runtime: local", "runtime: local\n  params: params.yaml"))},
        setup=_link("params.yaml"))
    add("data file a symlink to a host file", 2, val, setup=_link("data/x.csv"))
    add("work-dir document a symlink to a host file", 2, ["report", "--no-post"],
        setup=lambda d: (_compare_first(d), _link(".mlgate/verdict.json")(d)))
    add("work directory .mlgate a symlink to a host folder", 2, val, setup=_work_dir_links_out)
    add("training writes metrics.json as a symlink out", 2, train, setup=_training_links_metrics)
    add("report template includes a symlink to /proc/self/environ", 2, ["report", "--no-post"],
        env={"GITHUB_TOKEN": "ghs_must_not_leak"}, setup=_template_includes_environ)
    add("runtime_args -v /:/host", 2, train, files=runtime_args("-v", "/:/host"))
    add("runtime_args --privileged", 2, train, files=runtime_args("--privileged"))
    add("runtime_args -e GITHUB_TOKEN", 2, train, files=runtime_args("-e", "GITHUB_TOKEN"))
    add("runtime_args --network=host", 2, train, files=runtime_args("--network=host"))
    add("runtime_args short bundle -itv", 2, train, files=runtime_args("-itv", "/:/host"))
    add("runtime_args a stray image word", 2, train, files=runtime_args("alpine:latest"))
    add("file-size limit (ulimit -f) on validation.json", 3, val, fsize=200)
    return c


# --- the gate's rules come from the base (issue 20, item 4) -------------------------------------------

STRICT = config_with(replace=("min: 0.5", "min: 0.95"))  # the candidate's acc 0.9 fails it


def _pull_request(base: dict[str, str], pr: dict[str, str], event: bool = False) -> Callable[[Path], None]:
    """A git repository: `main` with the `base` files committed, then the branch `pr` with the `pr` files
    (checked out). With `event`: a pull_request payload at event.json naming main's commit as its base."""
    def setup(folder: Path) -> None:
        def git(*args: str) -> str:
            return subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", *args], cwd=folder,
                                  capture_output=True, text=True, check=True).stdout.strip()
        git("init", "-q", "-b", "main")
        for name, text in base.items():
            (folder / name).write_text(text)
        git("add", "-A")
        git("commit", "-qm", "base")
        git("checkout", "-qb", "pr")
        for name, text in pr.items():
            (folder / name).write_text(text)
        git("add", "-A")
        git("commit", "-qm", "pr")
        if event:
            payload = {"pull_request": {"number": 2, "base": {"sha": git("rev-parse", "main"), "ref": "main"},
                                        "head": {"sha": git("rev-parse", "HEAD"), "ref": "pr"}}}
            (folder / "event.json").write_text(json.dumps(payload))
    return setup


def rules_cases() -> list[Case]:
    """A PR that loosens its own rules to turn a failing gate green: judged by the base's (exit 1)."""
    cfg, grp = "mlgate.yaml", "rules"
    by_hand = [*COMPARE, "--rules-from", "main"]
    event = {"GITHUB_EVENT_PATH": "event.json", "GITHUB_EVENT_NAME": "pull_request"}
    loosened = {
        "lowers min": STRICT.replace("min: 0.95", "min: 0.5"),
        "sets severity: warn": STRICT.replace("min: 0.95", "min: 0.95, severity: warn"),
        "drops the gated metric": STRICT.replace("metrics:\n  acc: {direction: maximize, min: 0.95}\n", "metrics: {}\n"),
        "sets min: -1e308": STRICT.replace("min: 0.95", "min: -1e308"),
    }
    c = [Case(f"rules: PR {what} (--rules-from main)", grp, 1, by_hand,
              setup=_pull_request({cfg: STRICT}, {cfg: text})) for what, text in loosened.items()]
    c.append(Case("rules: PR lowers min (base from the pull_request event)", grp, 1, COMPARE, env=event,
                  setup=_pull_request({cfg: STRICT}, {cfg: loosened["lowers min"]}, event=True)))
    base_line = config_with("baseline: {metrics: base.json}\n", ("min: 0.5", "beat_baseline_by: 0.0"))
    c.append(Case("rules: PR edits the baseline file", grp, 1, by_hand,
                  setup=_pull_request({cfg: base_line, "base.json": '{"acc": 0.95}'}, {"base.json": '{"acc": 0.1}'})))
    c.append(Case("rules: base's mlgate.yaml an alias bomb (the PR's own rules, noted)", grp, 1, by_hand,
                  setup=_pull_request({cfg: bomb(9) + CONFIG}, {cfg: STRICT})))
    c.append(Case("rules: base commit not in the clone", grp, 2, [*COMPARE, "--rules-from", "0" * 40],
                  setup=_pull_request({cfg: STRICT}, {cfg: CONFIG})))
    c.append(Case("rules: --rules-from an option", grp, 2, [*COMPARE, "--rules-from", "--output=x"],
                  setup=_pull_request({cfg: STRICT}, {cfg: CONFIG})))
    c.append(Case("rules: --rules-from outside a git repository", grp, 2, by_hand))
    return c


def _registry_with_lease(folder: Path, *, expired: bool, takeover: bool) -> None:
    """The store as a concurrent promote leaves it: churn v1 @production, v2 gated against it, and the
    promotion lease (live, or expired with another promote's takeover marker made just now)."""
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{folder / '.mlgate' / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    passed = {"mlgate.verdict": "passed", "mlgate.data.validation": "passed",
              "mlgate.verdict.production_version": "1"}
    client.create_registered_model("churn")
    for _ in range(2):
        client.create_model_version("churn", source="s3://mlgate-race/model", tags=passed)
    client.set_registered_model_alias("churn", "production", "1")
    now = time.time()
    client.create_registered_model("mlgate-lease-churn", tags={
        "mlgate.lease.version": "3", "mlgate.lease.holder": "racer", "mlgate.lease.nonce": "feed",
        "mlgate.lease.created_at": f"{now:.3f}", "mlgate.lease.expires_at": f"{now + (-5 if expired else 600):.3f}"})
    if takeover:
        client.create_registered_model("mlgate-lease-churn-takeover-feed",
                                       tags={"mlgate.lease.created_at": f"{now:.3f}"})


def races_cases() -> list[Case]:
    """Races, as the state one process meets (a race itself needs several processes at once: those are in
    tests/integration/test_promote_race.py, test_compare_production_moved.py and test_monitor_issue.py)."""
    promote = ["promote", "--version", "2"]
    return [
        Case("promote while another promote holds the lease", "races", 1, promote,
             setup=lambda d: _registry_with_lease(d, expired=False, takeover=False)),
        Case("promote while another takes over an expired lease", "races", 3, promote,
             setup=lambda d: _registry_with_lease(d, expired=True, takeover=True)),
    ]


def _compare_first(folder: Path) -> None:
    """A verdict to report: compare the good metrics first."""
    subprocess.run([sys.executable, "-m", "mlgate", *COMPARE], cwd=folder, env=clean_env({}), capture_output=True,
                   timeout=120, check=False)


# --- what the registry returns (helper trust, issue 20 items 3 and 8, issue 21 item 5) -----------------

TRUST_CONFIG = textwrap.dedent("""\
    model: {name: churn}
    metrics:
      accuracy: {direction: maximize}
    train:
      command: python train.py
      runtime: local
    evaluate:
      data: holdout.csv
      label: y
      id: sample_id
      task: binary
      command: python score.py
      max_harmful_flip_pct: 5
    """)
TRUST_SCORE = textwrap.dedent("""\
    import csv, os
    SLOPE = float(open("slope.txt").read())
    assert os.path.isfile(os.path.join(os.environ["MLGATE_MODEL"], "model.txt"))
    rows = list(csv.DictReader(open(os.environ["MLGATE_EVAL_DATA"], newline="")))
    with open(os.environ["MLGATE_PREDICTIONS"], "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["sample_id", "prediction", "score"] + [f"c{i}" for i in range(int(os.environ.get("WIDE", "0")))])
        for row in rows:
            score = min(1.0, float(row["x"]) / 10 * SLOPE)
            out.writerow([row["sample_id"], int(score >= 0.5), round(score, 6)] + [0] * int(os.environ.get("WIDE", "0")))
    """)


def _holdout(n: int) -> str:
    return "sample_id,x,y\n" + "".join(f"s{i},{i % 10},{int(i % 10 >= 5)}\n" for i in range(n))


def _sh(folder: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(list(args), cwd=folder, env=clean_env(env or {}), capture_output=True, text=True,
                          timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed: {(done.stdout + done.stderr)[-400:]}")
    return done.stdout


def _mlflow(folder: Path, code: str) -> None:
    """Python run against the case's store, as someone with write access to the registry."""
    preamble = ("import json, pathlib, sys\nfrom mlflow.tracking import MlflowClient\n"
                f"client = MlflowClient(tracking_uri='sqlite:///{folder / '.mlgate' / 'mlflow.db'}')\n"
                "prod = json.loads(pathlib.Path('production-lineage.json').read_text())\n"
                "run = prod['run']['run_id']\n"
                "def put(artifact, content):\n"
                "    folder, _, name = artifact.rpartition('/')\n"
                "    local = pathlib.Path('attacker') / name\n"
                "    local.parent.mkdir(exist_ok=True)\n"
                "    local.write_bytes(content if isinstance(content, bytes) else content.encode())\n"
                "    client.log_artifact(run, str(local), folder or None)\n")
    _sh(folder, sys.executable, "-c", preamble + code)


def _trust_project(folder: Path, *, new_rows: bool) -> None:
    """Production trained at the first commit (slope 1) and promoted; the PR (slope 0.9: 2 of 20 rows flip
    to wrong) trained; with new_rows the holdout changes too (production must be scored again)."""
    (folder / "mlgate.yaml").write_text(TRUST_CONFIG)
    (folder / "score.py").write_text(TRUST_SCORE)
    (folder / "slope.txt").write_text("1.0")
    (folder / "holdout.csv").write_text(_holdout(20))
    (folder / ".gitignore").write_text(".mlgate/\nmodel/\nmetrics.json\npredictions.csv\nattacker/\n"
                                       "production-lineage.json\n")
    _sh(folder, "git", "init", "-q", "-b", "main")
    _sh(folder, "git", "add", "-A")
    _sh(folder, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "production")
    _sh(folder, sys.executable, "-m", "mlgate", "train")
    shutil.copy(folder / ".mlgate" / "lineage.json", folder / "production-lineage.json")
    _mlflow(folder, "client.set_registered_model_alias('churn', 'production', prod['registered']['version'])\n")
    (folder / "slope.txt").write_text("0.9")
    if new_rows:
        (folder / "holdout.csv").write_text(_holdout(30))
    _sh(folder, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "the PR")
    _sh(folder, sys.executable, "-m", "mlgate", "train")


def _tampered_lineage(change: str) -> Callable[[Path], None]:
    def setup(folder: Path) -> None:
        _trust_project(folder, new_rows=True)
        _mlflow(folder, f"doc = dict(prod)\n{change}\nput('mlgate/lineage.json', json.dumps(doc))\n")
    return setup


def _hostile_path(climbing: bool) -> Callable[[Path], None]:
    """model.path aimed at a folder of the case (in the temporary directory, beside mlgate's worktrees):
    absolute, or climbing out of the worktree's checkout with `..`."""
    def setup(folder: Path) -> None:
        host = folder / "host-dir"
        host.mkdir()
        (host / "precious.txt").write_text("keep me\n")
        path = f"../../{host.resolve().relative_to(Path(tempfile.gettempdir()).resolve())}" if climbing \
            else str(host.resolve())
        _tampered_lineage(f"doc['model'] = dict(doc['model'], path={path!r})")(folder)
    return setup


def _changed_model_file(folder: Path) -> None:
    _trust_project(folder, new_rows=True)
    _mlflow(folder, "put('mlgate/model/model.txt', 'a backdoored model')\n")


def _inverted_cache(folder: Path) -> None:
    _trust_project(folder, new_rows=False)
    _mlflow(folder, (
        "names = [a.path for a in client.list_artifacts(run, 'mlgate/predictions')]\n"
        "rows = [line.split(',') for line in open('holdout.csv').read().splitlines()[1:]]\n"
        "put(names[0], 'sample_id,prediction,score\\n' + ''.join(\n"
        "    f'{r[0]},{1 - int(int(r[1]) >= 5)},{1 - int(r[1]) / 10}\\n' for r in rows))\n"))


def _commit_gone(folder: Path) -> None:
    _trust_project(folder, new_rows=True)
    git = ("git", "-c", "user.name=t", "-c", "user.email=t@t")
    _sh(folder, *git, "checkout", "-q", "--orphan", "rewritten")
    _sh(folder, *git, "commit", "-qm", "history rewritten")
    _sh(folder, *git, "branch", "-D", "main")
    _sh(folder, *git, "reflog", "expire", "--expire=now", "--all")
    _sh(folder, *git, "gc", "-q", "--prune=now")


def _wide_scorer(folder: Path) -> None:
    (folder / "mlgate.yaml").write_text(TRUST_CONFIG)
    (folder / "score.py").write_text(TRUST_SCORE)
    (folder / "slope.txt").write_text("1.0")
    (folder / "holdout.csv").write_text(_holdout(20))
    (folder / ".gitignore").write_text(".mlgate/\nmodel/\nmetrics.json\npredictions.csv\n")
    _sh(folder, "git", "init", "-q", "-b", "main")
    _sh(folder, "git", "add", "-A")
    _sh(folder, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "a wide scorer")


def trust_cases() -> list[Case]:
    """A production run rewritten by someone with write access to the registry; its commit gone; a scorer
    that writes 200,000 columns. Each project is trained (and promoted) in its setup: slow kinds."""
    group = "registry"
    evaluate = ["evaluate"]
    return [
        Case("lineage model.path a host folder", group, 2, evaluate, setup=_hostile_path(climbing=False)),
        Case("lineage model.path ../../host folder", group, 2, evaluate, setup=_hostile_path(climbing=True)),
        Case("lineage code.commit HEAD", group, 2, evaluate,
             setup=_tampered_lineage("doc['code'] = dict(doc['code'], commit='HEAD')")),
        Case("lineage 11,000 model files", group, 2, evaluate, setup=_tampered_lineage(
            "doc['model'] = dict(doc['model'], files={f'f{i}': '0' * 64 for i in range(11000)})")),
        Case("model file changed on the run", group, 3, evaluate, setup=_changed_model_file),
        Case("cached predictions inverted (a regression must fail)", group, 1, ["compare"],
             setup=_inverted_cache),
        Case("production commit gone after a force-push", group, 2, evaluate, setup=_commit_gone),
        Case("scorer writes 200,000 columns", group, 2, ["train"], env={"WIDE": "200000"}, setup=_wide_scorer),
    ]


# --- running them -----------------------------------------------------------------------------------


@dataclass
class Result:
    case: Case
    code: int | str
    structured: bool
    traceback: bool
    seconds: float
    first_line: str
    text: str
    broken: str | None = None  # what the case's own check found

    @property
    def ok(self) -> bool:
        # a gate failure (exit 1: invalid data) is a result, reported as such, not a what/why/fix error;
        # an attack that must pass harmlessly (exit 0) is judged by its check alone
        structured = self.structured or self.case.expected in (0, 1)
        return (self.code == self.case.expected and structured and not self.traceback
                and self.broken is None)


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROP) and k != "CI"}
    env.setdefault("PYTHONPATH", str(Path(__file__).resolve().parent.parent / "src"))
    return {**env, "NO_COLOR": "1", **extra}


def prepare(root: Path, case: Case, store: Path | None) -> Path:
    folder = root / "".join(ch if ch.isalnum() else "-" for ch in case.name)
    (folder / "data").mkdir(parents=True)
    (folder / "mlgate.yaml").write_text(CONFIG)
    (folder / "m.json").write_text(GOOD_METRICS)
    (folder / "m.txt").write_text(GOOD_METRICS)
    (folder / "train.py").write_text(TRAIN)
    (folder / "data" / "x.csv").write_text(GOOD_CSV)
    if store is not None:
        (folder / ".mlgate").mkdir()
        shutil.copy(store, folder / ".mlgate" / "mlflow.db")
    for name, content in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if case.setup is not None:
        case.setup(folder)
    return folder


def run(case: Case, root: Path, store: Path | None, timeout: float, memory: int) -> Result:
    folder = prepare(root, case, store)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        if case.fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (case.fsize, case.fsize))

    env = clean_env({k: (str(folder / v) if k == "GITHUB_EVENT_PATH" else v) for k, v in case.env.items()})
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "mlgate", *case.args], cwd=folder, env=env, capture_output=True,
                              text=True, errors="replace", timeout=timeout, preexec_fn=limit,
                              stdin=subprocess.DEVNULL, check=False)
        code: int | str = done.returncode
        text = done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        code = f"timeout {timeout:.0f}s"
        text = ((exc.stdout or b"") + (exc.stderr or b"")).decode("utf-8", "replace") \
            if isinstance(exc.stdout, bytes) else str(exc.stdout or "") + str(exc.stderr or "")
    seconds = time.monotonic() - started
    lines = text.splitlines()
    error = next((i for i, line in enumerate(lines) if line.startswith(("error: ", "Error: "))), None)
    structured = error is not None and any(x.startswith("  why: ") for x in lines[error + 1:]) and any(
        x.startswith("  fix: ") for x in lines[error + 1:])
    first = lines[error] if error is not None else (lines[-1] if lines else "")
    broken = case.check(folder, text) if case.check is not None else None
    return Result(case, code, structured, "Traceback (most recent call last)" in text, seconds,
                  (broken or first)[:160], text, broken)


def make_store(root: Path) -> Path | None:
    """An embedded MLflow store made once (its migrations take seconds), copied into each case's folder."""
    folder = root / "_store"
    folder.mkdir()
    (folder / "mlgate.yaml").write_text(CONFIG)
    (folder / "m.json").write_text(GOOD_METRICS)
    subprocess.run([sys.executable, "-m", "mlgate", *COMPARE], cwd=folder, env=clean_env({}), capture_output=True,
                   timeout=300, check=False)
    store = folder / ".mlgate" / "mlflow.db"
    return store if store.is_file() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run only the kinds whose name or group contains this")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per kind (default 60)")
    parser.add_argument("--memory-mb", type=int, default=2048, help="address space per kind (default 2048 MiB)")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="kinds run at once (default 1)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each failing kind's whole output")
    options = parser.parse_args()
    selected = [case for case in cases()
                if options.only.lower() in f"{case.group} {case.name}".lower()]
    with tempfile.TemporaryDirectory(prefix="mlgate-bad-inputs-") as tmp:
        root = Path(tmp)
        store = make_store(root)
        width = max(len(case.name) for case in selected)
        print(f"{'group':<12} {'kind':<{width}}  exit expected  what/why/fix  traceback    time  ok")
        results = []
        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
            futures = [pool.submit(run, case, root, store, options.timeout, options.memory_mb << 20)
                       for case in selected]
            for future in futures:
                result = future.result()
                results.append(result)
                print(f"{result.case.group:<12} {result.case.name:<{width}}  {result.code!s:>4} "
                      f"{result.case.expected:>8}  {'yes' if result.structured else 'NO':>12}  "
                      f"{'YES' if result.traceback else 'no':>9}  {result.seconds:5.1f}s  "
                      f"{'ok' if result.ok else 'FAIL'}", flush=True)
    good = [r for r in results if r.ok]
    print(f"\n{len(good)} of {len(results)} gave what/why/fix and the right exit code (no traceback); "
          f"slowest {max(r.seconds for r in results):.1f}s")
    for result in results:
        if not result.ok:
            print(f"  FAIL {result.case.name}: exit {result.code} (expected {result.case.expected}): "
                  f"{result.first_line}")
            if options.verbose:
                print(textwrap.indent(result.text[-3000:], "       | "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
