"""Inputs built to exhaust memory or the stack, through the real CLI: exit 2 with what/why/fix, quickly.

Each runs `python -m mlgate` in a subprocess with a memory limit and a timeout (tests/support/bounded.py):
before the bounded reader, the alias bombs took gigabytes and minutes, and deep nesting crashed with a
RecursionError.
"""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import pytest

from tests.support.bounded import run_mlgate

CONFIG = textwrap.dedent("""\
    model: {name: churn}
    metrics:
      acc: {direction: maximize, min: 0.5}
    """)


def bomb(levels: int, indent: str = "") -> str:
    """The billion laughs: each level nine aliases of the one before."""
    lines = [f'{indent}l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{indent}l{i}: &l{i} [{','.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "mlgate.yaml").write_text(CONFIG)
    (tmp_path / "m.json").write_text('{"acc": 0.9}')
    return tmp_path


def bad_input(project: Path, *args: str, env: dict[str, str] | None = None, words: tuple[str, ...] = ()) -> str:
    started = time.monotonic()
    done = run_mlgate(args, project, env)
    seconds = time.monotonic() - started
    text = done.stdout + done.stderr
    assert done.returncode == 2, text
    assert "Traceback" not in text
    assert "\n  why: " in text and "\n  fix: " in text
    for word in words:
        assert word in text, text
    assert seconds < 30, f"took {seconds:.1f}s"
    return text


def test_a_400_byte_alias_bomb_in_mlgate_yaml(project: Path) -> None:
    """`framing: *l9` is not a block of settings: the message once showed its value, 9**9 strings, 12 GB."""
    (project / "mlgate.yaml").write_text(bomb(9) + "framing: *l9\n" + CONFIG)
    assert len(bomb(9)) < 500
    bad_input(project, "compare", "--candidate-metrics", "m.json",
              words=("mlgate.yaml: its YAML aliases expand to more than", "line 5"))


def test_a_nested_alias_bomb_in_a_metrics_file(project: Path) -> None:
    (project / "m.yaml").write_text("acc: 0.9\n" + bomb(7))
    bad_input(project, "compare", "--candidate-metrics", "m.yaml", words=("metrics file m.yaml",
                                                                        "aliases expand to more than"))


@pytest.mark.parametrize(("name", "text"), [
    ("deep.json", '{"acc": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ("deep.yaml", "acc: " + "[" * 20_000 + "]" * 20_000 + "\n"),
])
def test_deep_candidate_metrics(project: Path, name: str, text: str) -> None:
    (project / name).write_text(text)
    bad_input(project, "compare", "--candidate-metrics", name, words=(f"metrics file {name} nests deeper",))


def test_a_deep_config(project: Path) -> None:
    (project / "mlgate.yaml").write_text(CONFIG + "framing: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n")
    bad_input(project, "compare", "--candidate-metrics", "m.json", words=("nests deeper than 100 levels",
                                                                         "line 4"))


def test_a_deep_github_event(project: Path) -> None:
    event = project / "event.json"
    event.write_text('{"pull_request": ' + "[" * 100_000 + "]" * 100_000 + "}")
    bad_input(project, "report", "--no-post", env={"GITHUB_EVENT_PATH": str(event)},
              words=("GITHUB_EVENT_PATH", "nests deeper than 100 levels"))


def test_a_nan_threshold_and_a_duplicate_key(project: Path) -> None:
    (project / "mlgate.yaml").write_text(CONFIG.replace("min: 0.5", "min: .nan"))
    bad_input(project, "compare", "--candidate-metrics", "m.json",
              words=("metrics.acc.min: should be a finite number, not nan",))
    (project / "mlgate.yaml").write_text(CONFIG + "metrics:\n  acc: {direction: minimize}\n")
    bad_input(project, "compare", "--candidate-metrics", "m.json",
              words=("has the key 'metrics' twice", "line 2", "line 4"))


def test_a_bomb_in_a_pandera_schema(project: Path) -> None:
    (project / "mlgate.yaml").write_text(CONFIG + "data:\n  - {path: d.csv, schema: s.yaml}\n")
    (project / "d.csv").write_text("x\n1\n")
    (project / "s.yaml").write_text(bomb(8) + "schema_type: dataframe\ncolumns:\n  x: {dtype: int64, "
                                    "checks: {isin: *l8}}\n")
    bad_input(project, "validate", "--all", words=("schema s.yaml", "aliases expand to more than"))


def test_a_bomb_in_a_bundle_is_refused_by_size_and_depth(project: Path) -> None:
    bundle = project / "bundle"
    bundle.mkdir()
    (bundle / "mlgate-bundle.json").write_text(json.dumps({"x": 1})[:-1] + ', "y": ' + "[" * 50_000
                                               + "]" * 50_000 + "}")
    bad_input(project, "publish", "--bundle", "bundle", words=("nests deeper than 100 levels",))
