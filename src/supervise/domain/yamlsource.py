"""YAML parsed together with the line of every key, so that errors can name the line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from supervise.domain.errors import Defect, InputRejected
from supervise.domain.text import Text

Path = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text: the schema parses them, so a bad date is a defect with its key
    (PyYAML would raise on 2024-02-30 before validation could say where it is)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class YamlDocument:
    source: str
    data: Any
    lines: dict[Path, int]

    def line_of(self, path: Iterable[str | int]) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        key = tuple(str(p) if not isinstance(p, int) else p for p in path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)

    def defect(self, path: Iterable[str | int], problem: Text) -> Defect:
        path = tuple(path)
        line = self.line_of(path)
        return Defect(self.source, f"line {line}" if line else "", dotted(path), problem)


def dotted(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_yaml(text: str, source: str, error: type[InputRejected] = InputRejected) -> YamlDocument:
    """Parse one YAML document; a syntax error is reported with its line, as ``error``."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(
            source, [Defect(source, where, "", Text(f"YAML 语法错误：{problem}", f"YAML syntax: {problem}"))]
        ) from exc
    lines: dict[Path, int] = {}
    if node is not None:
        _index(node, (), lines)
    return YamlDocument(source, data, lines)


def _index(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, str(key_node.value))
            _index(value_node, child, lines)
            lines[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), lines)


def pydantic_defects(doc: YamlDocument, errors: list[Any], prefix: Path = ()) -> list[Defect]:
    """Turn pydantic's validation errors into defects that name the line and the key."""
    out = []
    for err in errors:
        loc = (*prefix, *(p for p in err["loc"] if not str(p).startswith("function-")))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            problem = Text("未知的键", "unknown key")
        elif err["type"] == "missing":
            problem = Text("缺少必填项", "required key is missing")
        else:
            problem = Text(f"取值无效：{msg}", f"invalid value: {msg}")
        out.append(doc.defect(loc, problem))
    return out
