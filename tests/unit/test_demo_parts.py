"""Parts of the demo: the pull request's label noise, copying the packaged example, a failing tool's message."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from mlgate.commands.demo import _tool, copy_example, example_files, relabel, set_first_field
from mlgate.errors import ServiceError


def test_relabel_flips_every_tenth_target_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    rows = [["a", "target"], *([str(i), str(i % 2)] for i in range(25))]
    path.write_text("\n".join(",".join(r) for r in rows) + "\n")
    assert relabel(path, every=10) == 2
    after = list(csv.reader(path.open()))
    changed = [i for i, (old, new) in enumerate(zip(rows[1:], after[1:], strict=True)) if old != new]
    assert changed == [9, 19]
    assert all(new[1] == str(1 - int(old[1])) for old, new in zip(rows[1:], after[1:], strict=True) if old != new)
    assert [r[0] for r in after[1:]] == [r[0] for r in rows[1:]]


def test_copy_example_skips_generated_and_hidden_files(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "model").mkdir(parents=True)
    (source / "model" / "model.pkl").write_bytes(b"x")
    (source / ".github").mkdir()
    (source / ".github" / "w.yml").write_text("x")
    (source / "data").mkdir()
    (source / "data" / "d.csv").write_text("a\n1\n")
    (source / "train.py").write_text("print()\n")
    copy_example(source, tmp_path / "dst")  # type: ignore[arg-type]  # a Path is a Traversable
    copied = sorted(str(p.relative_to(tmp_path / "dst")) for p in (tmp_path / "dst").rglob("*") if p.is_file())
    assert copied == ["data/d.csv", "train.py"]


def test_the_packaged_example_is_reachable_through_importlib_resources() -> None:
    files = example_files()
    assert (files / "mlgate.yaml").is_file()
    assert b"breast-cancer-classifier" in (files / "mlgate.yaml").read_bytes()


def test_set_first_field_changes_one_row_and_can_undo_it(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    text = "a,b\n1.5,x\n2.5,y\n"
    path.write_text(text)
    assert set_first_field(path, 2, "-1") == "2.5"
    assert path.read_text() == "a,b\n1.5,x\n-1,y\n"
    set_first_field(path, 2, "2.5")
    assert path.read_text() == text


def test_a_failing_tool_is_named_with_its_error_line_not_its_banner() -> None:
    """A real process that fails as DVC does: its ERROR line on stderr, then a support banner as the last words.
    The error's why is the ERROR line (the banner alone told the user nothing); the fix names a way out."""
    script = ("import sys\nprint('ERROR: unexpected error - cannot import name X', file=sys.stderr)\n"
              "print(file=sys.stderr)\nprint('Having any troubles? Hit us up', file=sys.stderr)\nsys.exit(255)\n")
    with pytest.raises(ServiceError) as raised:
        _tool([sys.executable, "-c", script], "run dvc init", "dvc init")
    error = raised.value
    assert error.what == "the demo could not run dvc init: `dvc init` exited 255"
    assert error.why == "ERROR: unexpected error - cannot import name X"
    assert "pip install -U dvc" in error.fix and "see the message above" not in error.fix
