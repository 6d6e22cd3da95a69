"""Every JSON and YAML file mlgate reads, read one bounded way.

mlgate.yaml, metrics files, the GitHub event, pandera YAML schemas, params files, DVC metafiles and the
work-directory documents are untrusted text. Before anything is built from them this reader refuses:

- a file over a size limit (YAML is parsed in pure Python: megabytes take seconds);
- nesting deeper than MAX_DEPTH lists and mappings (deeper input exhausts the stack: RecursionError);
- YAML aliases that expand to more than MAX_ALIAS_NODES values, and an alias inside its own anchor
  (a 400-byte "billion laughs" expands to gigabytes once walked);
- a key given twice in one mapping (YAML and JSON let the last one win silently).

Each refusal, like a syntax error, is BadInput (exit 2) naming the file and, where known, the line.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mlgate import safepath
from mlgate.errors import BadInput

MAX_DEPTH = 100  # nested lists and mappings; no file mlgate reads needs more than a few
MAX_ALIAS_NODES = 10_000  # values YAML aliases may add, all aliases of a file together
MAX_YAML_BYTES = 4 << 20
MAX_JSON_BYTES = 64 << 20  # GitHub's event payloads are at most 25 MB

SPECIAL_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")  # `<<` and `=`: not plain keys
DEPTH_FIX = f"nest lists and mappings at most {MAX_DEPTH} levels deep: no file mlgate reads needs more"


def read_yaml(path: Path, source: str, fix: str, *, file: str | None = None,
              limit: int = MAX_YAML_BYTES) -> Any:
    """The YAML document in `path`, bounded. `source` names the file in messages ("metrics file m.yaml"),
    `fix` says how to repair its content, `file` is the path an annotation points at (default: `path`)."""
    shown = str(path) if file is None else file
    return load_yaml(read_text(path, source, fix, file=shown, limit=limit), source, fix, file=shown)


def read_json(path: Path, source: str, fix: str, *, file: str | None = None,
              limit: int = MAX_JSON_BYTES) -> Any:
    """The JSON value in `path`, bounded (see read_yaml)."""
    shown = str(path) if file is None else file
    return load_json(read_text(path, source, fix, file=shown, limit=limit), source, fix, file=shown)


def read_text(path: Path, source: str, fix: str, *, file: str | None = None, limit: int,
              root: Path | None = None) -> str:
    """The file as UTF-8 text (a byte order mark is dropped), refused over `limit` bytes. A symlink is
    followed only inside `root` (default: the repository holding the file; see mlgate.safepath)."""
    shown = str(path) if file is None else file
    try:
        with safepath.open_read(path, root, source) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise BadInput(f"{source} is {size} bytes, over the {limit} bytes mlgate reads",
                               "a file this large is not one mlgate expects there, and would take long to "
                               "parse", fix, file=shown)
            data = handle.read(limit + 1)
    except OSError as exc:
        raise BadInput(f"cannot read {source}", exc.strerror or str(exc),
                       "check that the path names a readable file", file=shown) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = data.count(b"\n", 0, exc.start) + 1
        utf16 = " (the file looks like UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise BadInput(f"{source} is not UTF-8 text",
                       f"line {where}: byte 0x{data[exc.start]:02x} is not UTF-8{utf16}", "save it as UTF-8",
                       file=shown) from exc


# --- JSON -------------------------------------------------------------------------------------------


def load_json(text: str, source: str, fix: str, *, file: str | None = None) -> Any:
    """A JSON value from `text`: depth and duplicate keys checked, errors as BadInput naming the line."""
    if not text.strip():
        raise BadInput(f"{source} is not valid JSON", "the file is empty", fix, file=file)
    try:
        data = json.loads(text, object_pairs_hook=_unique_object)
    except _DuplicateKey as exc:
        raise BadInput(f"{source} has the key {exc.key!r} twice in one object",
                       "JSON readers disagree which one counts (Python's keeps the last, silently)",
                       f"keep one {exc.key!r} in that object", file=file) from exc
    except json.JSONDecodeError as exc:
        raise BadInput(f"{source} is not valid JSON", f"line {exc.lineno}, column {exc.colno}: {exc.msg}",
                       fix, file=file) from exc
    except RecursionError as exc:
        raise _too_deep(source, _json_deep_line(text), file) from exc
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise BadInput(f"{source} is not valid JSON", _one_line(exc), fix, file=file) from exc
    if _depth_over(data):
        raise _too_deep(source, _json_deep_line(text), file)
    return data


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _depth_over(data: Any) -> bool:
    """True when lists and objects nest deeper than MAX_DEPTH (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth + 1 > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def _json_deep_line(text: str) -> int:
    """The line where the nesting passes MAX_DEPTH (brackets inside strings do not count)."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return _line_of(text, token.start())
        elif bracket in "]}":
            depth -= 1
    return 1


def _too_deep(source: str, line: int, file: str | None) -> BadInput:
    return BadInput(f"{source} nests deeper than {MAX_DEPTH} levels",
                    f"line {line}: lists and mappings go more than {MAX_DEPTH} levels deep there (deeper "
                    "input would exhaust the stack)", DEPTH_FIX, file=file)


# --- YAML -------------------------------------------------------------------------------------------


class _Refused(yaml.YAMLError):
    """A limit of the bounded loader; load_yaml makes it BadInput("<source><what>", why, fix)."""

    def __init__(self, what: str, why: str, fix: str) -> None:
        super().__init__(what)
        self.what, self.why, self.fix = what, why, fix


class BoundedLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses deep nesting, alias bombs, recursive aliases and duplicate keys.

    Depth is counted while composing, before the next level is read; an alias counts as deep as what it
    names, and adds as many values as that expands to. Nothing is expanded to count: the size and height
    of each node are kept as it is composed.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._alias_values = 0
        self._measured: dict[int, tuple[int, int]] = {}  # id(node) → (values once expanded, height)
        self.constructing: int | None = None  # of the node being constructed, for a constructor's ValueError

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(yaml.AliasEvent):
            return self._alias(parent, index)
        container = self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent)
        if container:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _too_deep_yaml(f"line {self._event_line()}")
        node = cast(Node, super().compose_node(parent, index))
        if container:
            self._depth -= 1
        self._measured[id(node)] = self._measure(node)
        return node

    def _alias(self, parent: Node | None, index: Any) -> Node:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        line, alias, anchor = event.start_mark.line + 1, f"*{event.anchor}", f"&{event.anchor}"
        node = cast(Node, super().compose_node(parent, index))  # an undefined alias: PyYAML's ComposerError
        if id(node) not in self._measured:
            raise _Refused(": a YAML alias refers to itself",
                           f"line {line}: the alias {alias} refers to itself: it is inside its own anchor "
                           f"{anchor}",
                           f"remove {alias} from inside {anchor}")
        values, height = self._measured[id(node)]
        if self._depth + height > MAX_DEPTH:
            raise _too_deep_yaml(f"line {line}, through the alias {alias}")
        self._alias_values += values
        if self._alias_values > MAX_ALIAS_NODES:
            raise _Refused(
                f": its YAML aliases expand to more than {MAX_ALIAS_NODES} values",
                f"line {line}: {alias} and the aliases before it repeat that many values (an alias repeats "
                "its anchor's whole content, so nested aliases multiply: a few hundred bytes can expand to "
                "gigabytes)", f"write the values out instead of aliases such as {alias}, or use fewer")
        return node

    def _event_line(self) -> int:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        return int(event.start_mark.line) + 1

    def _measure(self, node: Node) -> tuple[int, int]:
        """(values once expanded, nesting height) of a node whose children are all measured."""
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            return 1, 0
        measured = [self._measured.get(id(child), (1, 0)) for child in children]
        return 1 + sum(v for v, _ in measured), 1 + max((h for _, h in measured), default=0)

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        self.constructing = node.start_mark.line + 1
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping whose own keys are unique (a key merged in by `<<:` may be overridden, as YAML says)."""
        if isinstance(node, MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag in SPECIAL_KEYS or not isinstance(key_node, ScalarNode):
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    first = seen.get(key)
                except TypeError:  # unhashable: PyYAML says so below
                    continue
                seen[key] = line
                if first is not None:
                    raise _Refused(
                        f" has the key {key!r} twice in one mapping",
                        f"line {first} and line {line} both give {key!r}; YAML readers disagree which one "
                        "counts (PyYAML keeps the last, silently)", f"keep one {key!r} in that mapping")
        return super().construct_mapping(node, deep=deep)


def _too_deep_yaml(where: str) -> _Refused:
    return _Refused(f" nests deeper than {MAX_DEPTH} levels",
                    f"{where}: lists and mappings go more than {MAX_DEPTH} levels deep there (deeper input "
                    "would exhaust the stack)", DEPTH_FIX)


def load_yaml(text: str, source: str, fix: str, *, file: str | None = None) -> Any:
    """The single YAML document in `text`, with BoundedLoader; errors as BadInput naming the line."""
    try:
        loader = BoundedLoader(text)  # the reader refuses unprintable characters (NUL) here
    except yaml.YAMLError as exc:
        raise BadInput(f"{source} is not valid YAML", yaml_problem(exc, text), fix, file=file) from exc
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise BadInput(f"{source}{exc.what}", exc.why, exc.fix, file=file) from exc
    except yaml.YAMLError as exc:
        raise BadInput(f"{source} is not valid YAML", yaml_problem(exc, text), fix, file=file) from exc
    except ValueError as exc:  # a constructor's: an integer of more than 4300 digits, a date like 2024-13-45
        where = f"line {loader.constructing}: " if loader.constructing is not None else ""
        raise BadInput(f"{source} is not valid YAML", where + _one_line(exc), fix, file=file) from exc
    finally:
        loader.dispose()


def yaml_problem(exc: yaml.YAMLError, text: str = "") -> str:
    """Where and what, without PyYAML's `in "<unicode string>"` lines."""
    if isinstance(exc, yaml.reader.ReaderError):
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        line = _line_of(text, exc.position)
        return f"line {line}: the character #x{code:04x} is not allowed ({exc.reason})"
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return _one_line(exc)
    mark = exc.problem_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: {exc.problem or 'syntax error'}"
    if exc.context and exc.context_mark is not None:
        where += f" ({exc.context} started at line {exc.context_mark.line + 1})"
    return where


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _one_line(exc: BaseException) -> str:
    """The first line of an error, without Python's advice to programmers (`; use sys.set_int_max_...`)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0].split("; use sys.")[0][:300]
