"""YAML parsed together with the line of every key, so that errors can name the line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from supervise.domain.errors import Defect, InputRejected
from supervise.domain.text import Text
from supervise.domain.yamlshape import index_lines, shape_defects

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
    """Parse one YAML document; a syntax error, a duplicate key or an alias bomb is reported with its line."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        if node is not None:
            shape = shape_defects(node, source)
            if shape:
                raise error(source, shape)
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(
            source, [Defect(source, where, "", Text(f"YAML 语法错误：{problem}", f"YAML syntax: {problem}"))]
        ) from exc
    except (ValueError, OverflowError) as exc:
        # PyYAML lets a few errors out raw: an escape past U+10FFFF ("\U10010000"), an explicit
        # !!timestamp that is no date. The file is refused like any other syntax error.
        problem = Text(f"YAML 无法读取：{exc}", f"YAML cannot be read: {exc}")
        raise error(source, [Defect(source, "", "", problem)]) from None
    except RecursionError:
        # PyYAML composes and constructs recursively: hundreds of levels of brackets exhaust the stack.
        problem = Text("嵌套层次过深，无法读取", "nested too deeply to read")
        raise error(source, [Defect(source, "", "", problem)]) from None
    return YamlDocument(source, data, index_lines(node) if node is not None else {})


def pydantic_defects(doc: YamlDocument, errors: list[Any], prefix: Path = ()) -> list[Defect]:
    """Turn pydantic's validation errors into defects that name the line and the key."""
    out = []
    for err in errors:
        loc = (*prefix, *(p for p in err["loc"] if not str(p).startswith("function-")))
        out.append(doc.defect(loc, pydantic_text(err)))
    return out


def pydantic_text(err: Any) -> Text:
    """What a pydantic error means, in both languages, for the errors a plan or a definition meets."""
    kind, ctx, msg = err["type"], err.get("ctx") or {}, err["msg"]
    texts: dict[str, tuple[str, str]] = {
        "extra_forbidden": ("未知的键", "unknown key"),
        "missing": ("缺少必填项", "required key is missing"),
        "string_too_long": (
            f"过长：最多 {ctx.get('max_length')} 个字符，此处 {_length(err)} 个",
            f"too long: at most {ctx.get('max_length')} characters, found {_length(err)}",
        ),
        "string_too_short": ("不能为空", "must not be empty"),
        "greater_than_equal": (f"应不小于 {ctx.get('ge')}", f"must be at least {ctx.get('ge')}"),
        "less_than_equal": (f"应不大于 {ctx.get('le')}", f"must be at most {ctx.get('le')}"),
        "int_parsing": ("应为整数", "expected a whole number"),
        "int_from_float": ("应为整数", "expected a whole number"),
        "date_from_datetime_parsing": ("应为日期，如 2024-06-30", "expected a date such as 2024-06-30"),
        "date_parsing": ("应为日期，如 2024-06-30", "expected a date such as 2024-06-30"),
        "date_from_datetime_inexact": ("应为日期，如 2024-06-30", "expected a date such as 2024-06-30"),
        "date_type": (f"应为日期（如 2024-06-30），此处为数字 {ctx.get('value')}", msg),
        "implausible_year": (f"年份不合理：{ctx.get('year')}（应在 {ctx.get('first')}–{ctx.get('last')} 之间）", msg),
        "control_character": (f"含有控制字符 U+{ctx.get('code')}（第 {ctx.get('position')} 个字符）", msg),
        "line_break": (f"名称只能是一行：第 {ctx.get('position')} 个字符处换行", msg),
        "number_type": (f"应为整数，此处为 {ctx.get('value')}", msg),
        "string_type": ("应为文本", "expected text"),
        "list_type": ("应为列表", "expected a list"),
        "model_type": ("应为映射（键: 值）", "expected a mapping (key: value)"),
        "dict_type": ("应为映射（键: 值）", "expected a mapping (key: value)"),
        "literal_error": (f"应为 {ctx.get('expected')}", f"expected {ctx.get('expected')}"),
        "value_error": (str(ctx.get("error", msg)), str(ctx.get("error", msg))),
    }
    if kind in ("extra_forbidden", "missing"):
        return Text(*texts[kind])
    zh, en = texts.get(kind, (msg, msg))
    return Text(f"取值无效：{zh}", f"invalid value: {en}")


def _length(err: Any) -> int | str:
    value = err.get("input")
    return len(value) if isinstance(value, str) else "?"
