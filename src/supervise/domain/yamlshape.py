"""What a YAML file's node graph must look like before anything reads it: finite, small, unambiguous.

PyYAML composes aliases (``*a``) as references to the anchored node, so a few lines
can describe a structure of billions of nodes (the "billion laughs"), or one that
contains itself; both would hang or crash whatever walks the data. A key written twice
in one mapping silently keeps the last value (PyYAML's behaviour): in a plan that is a
deadline or a problem list lost without a word. Each is reported with its line.
Every walk here is iterative: a deeply nested document cannot exhaust the stack.
"""

from __future__ import annotations

import yaml

from supervise.domain.errors import Defect
from supervise.domain.text import Text

Path = tuple[str | int, ...]
# How many nodes aliases may add beyond those written: generous for anchors reused on purpose,
# far below what would hang the reader.
ALIAS_BUDGET = 100_000


def shape_defects(node: yaml.Node, source: str) -> list[Defect]:
    """Duplicate keys, self-containing anchors and alias expansions too large to read, by line."""
    defects = _duplicate_keys(node, source)
    cycle = _cycle(node)
    if cycle is not None:
        return [*defects, _defect(source, cycle, Text("锚点引用了自身（*别名 指向包含它的 &锚点）", _CYCLE_EN))]
    written, expanded = _sizes(node)
    if expanded > written + ALIAS_BUDGET:
        defects.append(
            _defect(
                source,
                node,
                Text(
                    f"别名（*）展开后有 {expanded} 个节点，而文件只写了 {written} 个：拒绝读取",
                    f"aliases (*) expand {written} written nodes to {expanded}: refused",
                ),
            )
        )
    return defects


_CYCLE_EN = "an anchor refers to itself (an *alias inside the &anchor it names)"


def _defect(source: str, node: yaml.Node, problem: Text) -> Defect:
    return Defect(source, f"line {node.start_mark.line + 1}", "", problem)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _unique_nodes(root: yaml.Node) -> list[yaml.Node]:
    seen: set[int] = set()
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append(node)
        stack.extend(_children(node))
    return out


def _duplicate_keys(root: yaml.Node, source: str) -> list[Defect]:
    defects = []
    for node in _unique_nodes(root):
        if not isinstance(node, yaml.MappingNode):
            continue
        first: dict[str, int] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.value == "<<":
                continue
            line = key.start_mark.line + 1
            if key.value in first:
                defects.append(
                    Defect(
                        source,
                        f"line {line}",
                        str(key.value),
                        Text(
                            f"键 {key.value} 重复出现（第 {first[key.value]} 行已有）：后者会悄悄覆盖前者",
                            f"the key {key.value} appears twice (first at line {first[key.value]}): "
                            "the second would silently replace the first",
                        ),
                    )
                )
            else:
                first[key.value] = line
    return defects


def _cycle(root: yaml.Node) -> yaml.Node | None:
    """A node reachable from itself, if any (depth-first, iterative, with on-path marks)."""
    on_path: set[int] = set()
    done: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            on_path.discard(id(node))
            done.add(id(node))
            continue
        if id(node) in done:
            continue
        if id(node) in on_path:
            return node
        on_path.add(id(node))
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                return child
            if id(child) not in done:
                stack.append((child, False))
    return None


def _sizes(root: yaml.Node) -> tuple[int, int]:
    """(nodes written, nodes after expanding every alias), by an iterative post-order walk; the graph is acyclic."""
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in size:
            continue
        children = _children(node)
        if children_done:
            size[id(node)] = 1 + sum(size[id(c)] for c in children)
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in size)
    return len(size), size[id(root)]


def index_lines(root: yaml.Node) -> dict[Path, int]:
    """The line of every key and item, by path; an aliased node is indexed once, where it is written."""
    lines: dict[Path, int] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Path]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                child = (*path, str(key_node.value))
                lines[child] = key_node.start_mark.line + 1
                stack.append((value_node, child))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                stack.append((item, (*path, i)))
    return lines
