"""The one bounded reader of JSON and YAML: size, nesting depth, aliases and duplicate keys are refused
before anything is built, as BadInput (exit 2) naming the file and the line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from mlgate.errors import BadInput
from mlgate.parse import MAX_ALIAS_NODES, MAX_DEPTH, load_json, load_yaml, read_json, read_yaml
from tests.support.bounded import run_python

FIX = "fix the file"


def refused(load: object, text: str) -> BadInput:
    assert callable(load)
    with pytest.raises(BadInput) as caught:
        load(text, "metrics file m", FIX, file="m")
    assert caught.value.exit_code == 2 and caught.value.file == "m"
    assert caught.value.why and caught.value.fix
    return caught.value


def bomb(levels: int) -> str:
    """The billion laughs in YAML: each level is nine aliases of the one before (9**levels strings)."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [{','.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    """In a subprocess with a memory limit and a timeout: a regression fails here, it cannot take the machine."""
    (tmp_path / "bomb.yaml").write_text(bomb(9))
    code = ("import sys\nfrom pathlib import Path\nfrom mlgate.errors import BadInput\nfrom mlgate.parse import read_yaml\n"
            "try:\n    data = read_yaml(Path('bomb.yaml'), 'bomb.yaml', 'fix')\n    print(repr(data)[:80])\n"
            "except BadInput as exc:\n    print(exc.message())\n    sys.exit(2)\n")
    done = run_python(["-c", code], tmp_path, timeout=30)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "bomb.yaml: its YAML aliases expand to more than" in done.stdout
    assert "line 5" in done.stdout  # the fifth level is where the count passes the bound
    assert "why: " in done.stdout and "fix: " in done.stdout


def test_a_few_aliases_and_merge_keys_are_fine() -> None:
    text = textwrap.dedent("""\
        base: &base {direction: maximize, min: 0.5}
        acc: *base
        f1: {<<: *base, min: 0.7}
        """)
    assert load_yaml(text, "m", FIX) == {"base": {"direction": "maximize", "min": 0.5},
                                         "acc": {"direction": "maximize", "min": 0.5},
                                         "f1": {"direction": "maximize", "min": 0.7}}


def test_aliases_are_counted_by_what_they_expand_to() -> None:
    width = MAX_ALIAS_NODES // 10
    items = ", ".join(["x"] * width)
    assert load_yaml(f"a: &a [{items}]\nb: [{', '.join(['*a'] * 9)}]\n", "m", FIX)["b"][8][0] == "x"
    error = refused(load_yaml, f"a: &a [{items}]\nb: [{', '.join(['*a'] * 11)}]\n")
    assert f"expand to more than {MAX_ALIAS_NODES} values" in error.what and "line 2" in error.why


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    error = refused(load_yaml, "a: &a [1, *a]\n")
    assert "refers to itself" in error.why and "line 1" in error.why and "*a" in error.fix


@pytest.mark.parametrize("text", [
    "[" * 20_000 + "]" * 20_000,
    "".join(f"{' ' * i}k{i}:\n" for i in range(MAX_DEPTH + 5)) + " " * (MAX_DEPTH + 5) + "v\n",
    "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
])
def test_deep_yaml_is_refused_with_its_line(text: str) -> None:
    error = refused(load_yaml, text)
    assert error.what == f"metrics file m nests deeper than {MAX_DEPTH} levels"
    assert "line " in error.why


def test_depth_reached_through_aliases_counts() -> None:
    deep = "[" * 60 + "x" + "]" * 60
    text = f"a: &a {deep}\nb: &b [[[[[[[[[[*a]]]]]]]]]]\nc: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*b]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n"
    error = refused(load_yaml, text)
    assert "nests deeper" in error.what and "line 3" in error.why


def test_as_deep_as_allowed_is_read() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert load_yaml(text, "m", FIX) == json.loads(text)
    assert load_json(text, "m", FIX) == json.loads(text)


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"a": ' * 100_000 + "1" + "}" * 100_000,
    '{"a": [1, {"b": "[[[[ inside a string ]]]]"}],\n"c": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}",
])
def test_deep_json_is_refused_with_its_line(text: str) -> None:
    error = refused(load_json, text)
    assert error.what == f"metrics file m nests deeper than {MAX_DEPTH} levels"
    assert "line " in error.why


def test_brackets_in_strings_do_not_count() -> None:
    text = json.dumps({"a": "[" * 5000, "b": "{" * 5000})
    assert load_json(text, "m", FIX) == json.loads(text)


def test_duplicate_yaml_keys_are_refused_naming_the_key_and_line() -> None:
    error = refused(load_yaml, "acc: 0.9\nloss: 1\nacc: 0.1\n")
    assert error.what == "metrics file m has the key 'acc' twice in one mapping"
    assert "line 3" in error.why and "line 1" in error.why
    nested = refused(load_yaml, "metrics:\n  acc: {min: 0.5, min: 0.7}\n")
    assert "'min'" in nested.what and "line 2" in nested.why


def test_duplicate_json_keys_are_refused() -> None:
    error = refused(load_json, '{"acc": 0.9, "acc": 0.1}')
    assert error.what == "metrics file m has the key 'acc' twice in one object"


@pytest.mark.parametrize(("text", "why"), [
    ("a: 1\nb: [unclosed\n", "line 3, column 1"),
    ("a: 1\nb: \0\n", "line 2"),
    ("a: " + "9" * 5000 + "\n", "digits"),
    ("when: 2024-13-45\n", "month must be in 1..12"),
    ("a: !!python/object:os.system x\n", "line 1"),
])
def test_yaml_that_does_not_parse_names_the_line(text: str, why: str) -> None:
    error = refused(load_yaml, text)
    assert error.what == "metrics file m is not valid YAML"
    assert why in error.why
    assert error.fix == FIX


@pytest.mark.parametrize(("text", "why"), [
    ('{"a": 1,\n "b": }', "line 2, column 7"),
    ('{"a": ' + "9" * 5000 + "}", "digits"),
    ("", "the file is empty"),
])
def test_json_that_does_not_parse_names_the_line(text: str, why: str) -> None:
    error = refused(load_json, text)
    assert error.what == "metrics file m is not valid JSON"
    assert why in error.why


def test_reading_files(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"a": 1}')  # a UTF-8 byte order mark is fine
    assert read_json(path, "m", FIX) == {"a": 1}
    path.write_text('{"a": 1}', encoding="utf-16")
    with pytest.raises(BadInput, match="m is not UTF-8 text") as caught:
        read_json(path, "m", FIX)
    assert caught.value.file == str(path) and caught.value.fix
    path.write_text("a: " + "x" * 100)
    with pytest.raises(BadInput, match="over the 50 bytes mlgate reads") as caught:
        read_yaml(path, "m", FIX, limit=50)
    assert caught.value.why and caught.value.fix == FIX
    with pytest.raises(BadInput, match="cannot read m"):
        read_yaml(tmp_path, "m", FIX)
