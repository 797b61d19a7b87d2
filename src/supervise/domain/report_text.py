"""The published progress report (通报), read into the canonical plan.

The reference format, and the variants offices publish::

    中共××区委关于十二届省委第四轮巡视整改进展情况的通报      <- the round's name
    …2023年7月17日至9月15日,省委第十一巡视组对××区进行了巡视,并于11月7日反馈了巡视意见…
    (一)在“落实党中央决策部署”方面                           <- a category (optional)
    1.关于“学用结合不紧密”的问题。                            <- a problem: N. N、 N: N：
    (1)关于“……”                                              <- sub-items (optional): each is a problem
    整改情况:一是……。二是……。                                 <- its measures, one per 一是/二是/一方面…
    2024年7月18日                                              <- the report's date

Titles are kept exactly as written between the outer quotes, quotes inside included
(``群众“办证难”问题未有效解决``). Full- and half-width punctuation are both read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import ValidationError

from supervise.domain.deadlines import DeadlinePolicy, PolicyOptions, Reading
from supervise.domain.errors import Defect, InputRejected
from supervise.domain.ledger_columns import chinese_number
from supervise.domain.ledger_locate import Directory
from supervise.domain.plan import Kind, ParsedPlan, Period, RoundSpec, validate_plan
from supervise.domain.registry import WorkflowRegistry
from supervise.domain.text import Text

_SEP = r"\s*[.．、:：]\s*"
_PROBLEM = re.compile(rf"^(\d{{1,3}}){_SEP}(?!\d)(.*关于.*)$")
_SUB_ITEM = re.compile(r"^(?:[(（](\d{1,2})[)）]|([①-⑳]))\s*(.*关于.*)$")
_SECTION = re.compile(r"^[(（]?([一二三四五六七八九十]+)[)）、.．]\s*(.*)$")
_BODY = re.compile(r"^(?:整改(?:情况|进展|进展情况|落实情况|措施)|落实情况)\s*[:：]\s*")
_BODY_INLINE = re.compile(r"整改(?:情况|进展|进展情况|落实情况|措施)\s*[:：]")
_DATE_LINE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_QUOTES = {"“": "”", '"': '"', "「": "」", "『": "』", "‘": "’", "'": "'", "＂": "＂"}
# Matched at a position (``match(text, pos)``), so no ``^``: it would only match at the string's start.
_AFTER_TITLE = re.compile(r"(?:等?的?问题|方面(?:的问题)?)?(?:的?整改(?:情况|落实情况|进展)?)?\s*[。．.;；:：,，]?\s*$")
_UNQUOTED = re.compile(r"^关于(.+?)(?:等?的?问题|方面)(?:的?整改(?:情况)?)?\s*[。．.;；]?\s*$")
# The issuer's name at the foot, above the date: 中共××区委, ××县人民政府, ××党组.
_SIGNATURE = re.compile(r"^(?:中共)?[^\s，,。;；:：]{1,30}(?:委员会|区委|县委|市委|党委|党组|政府|办公室)$")
_CLOSING = ("欢迎", "如有意见", "联系方式", "联系电话", "公开期限", "电子邮箱", "邮政信箱", "特此通报")
_HEAD_CHARS, _TITLE_CHARS = 1000, 300
IMMEDIATE = ("立行立改", "即知即改", "立即整改")
LONG_TERM = ("长期坚持", "需长期坚持", "长期整改")


@dataclass
class _Problem:
    number: int
    written: int | None
    title: str
    line: int
    category: str | None
    body: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ReportRead:
    """What reading the report found besides the plan."""

    renumbered: bool = False
    report_date: dt.date | None = None


class LinePlaces:
    """A ``Locator`` for the report: a problem by its heading's line, a measure by the line it starts on."""

    _FIELDS: ClassVar[dict[str, str]] = {
        "number": "序号",
        "title": "问题",
        "deadline": "整改时限",
        "kind": "整改类型",
        "measures": "整改情况",
    }

    def __init__(self, source: str, directory: Directory) -> None:
        self.source, self.directory = source, directory
        self.lines: list[int] = []
        self.measure_lines: list[list[int]] = []

    def defect(self, path: Iterable[str | int], problem: Text) -> Defect:
        path = tuple(path)
        if not path or path[0] != "problems":
            return self.directory.locate.defect(path, problem)
        if len(path) < 2 or not isinstance(path[1], int) or path[1] >= len(self.lines):
            return Defect(self.source, "", "", problem)
        i, rest = path[1], path[2:]
        line = self.lines[i]
        if (
            len(rest) >= 2
            and rest[0] == "measures"
            and isinstance(rest[1], int)
            and rest[1] < len(self.measure_lines[i])
        ):
            line = self.measure_lines[i][rest[1]]
        name = str(rest[0]) if rest else ""
        return Defect(self.source, f"line {line}", self._FIELDS.get(name, name), problem)


def read_round(text: str) -> tuple[RoundSpec | None, dt.date | None]:
    """The round as the report names it (title and opening paragraph), and the report's date at its end."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return None, None
    # The title and the opening paragraph are short: looking further only costs time (the searches
    # below are quadratic on a long line without punctuation, such as a file that is not a report).
    head = " ".join(ln[:_HEAD_CHARS] for ln in lines[:4])
    name = re.search(r"关于(.+?)(?:反馈意见)?(?:集中)?整改(?:落实|工作)?(?:进展)?情况的通报", lines[0][:_TITLE_CHARS])
    spec: dict[str, Any] = {"name": name[1].strip('“”"') if name else None}
    issuer = re.match(r"^(.+?)关于", lines[0])
    body = _inspection(head)
    if body:
        spec["inspecting_body"], spec["inspected_unit"] = body
    elif issuer:
        spec["inspected_unit"] = issuer[1]
    period = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日至(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日", head)
    if period:
        start = _date(int(period[1]), int(period[2]), int(period[3]))
        end = _date(int(period[4] or period[1]), int(period[5]), int(period[6]))
        if start and end and end >= start:
            spec["inspection"] = Period(start=start, end=end)
    feedback = re.search(r"于(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日(?:向[^,，。]*)?反馈", head)
    if feedback and (feedback[1] or period):
        spec["feedback_date"] = _feedback_date(feedback, period)
    report_date = next((_date(*map(int, m.groups())) for ln in reversed(lines) if (m := _DATE_LINE.match(ln))), None)
    if not spec["name"]:
        return None, report_date
    try:
        return RoundSpec.model_validate({k: v for k, v in spec.items() if v is not None}), report_date
    except ValidationError:  # a "name" too long to be one: the office names the round instead
        return None, report_date


_TEAM = re.compile(r"(?:巡视|巡察)组")
_TARGET = re.compile(r"[^,，。]{0,20}?对([^,，。]{1,60}?)(?:进行了|开展了)")


def _inspection(head: str) -> tuple[str, str] | None:
    """(inspecting body, inspected unit) from ``…,省委第十一巡视组对江夏区进行了巡视``.

    Found from each ``巡视组`` outward rather than by one pattern with three lazy groups,
    which backtracks in cubic time on a line of repeated words.
    """
    for team in _TEAM.finditer(head):
        target = _TARGET.match(head, team.end())
        if target is not None:
            start = max(head.rfind(mark, 0, team.start()) for mark in ",，。;；") + 1
            return head[start : team.end()].strip(), target[1].strip()
    return None


def _feedback_date(feedback: re.Match[str], period: re.Match[str] | None) -> dt.date | None:
    """``于11月7日反馈``: the year is the inspection's, or the next one when the month comes earlier."""
    month, day = int(feedback[2]), int(feedback[3])
    if feedback[1]:
        return _date(int(feedback[1]), month, day)
    assert period is not None
    year = int(period[4] or period[1])
    return _date(year + 1 if month < int(period[5]) else year, month, day)


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_report(
    text: str,
    source: str,
    registry: WorkflowRegistry,
    options: PolicyOptions,
    today: dt.date,
    directory: Directory | None = None,
) -> tuple[ParsedPlan, ReportRead]:
    """The report as a validated plan. ``directory`` (``--round``/``--plan``) overrides the round the text names."""
    found, report_date = read_round(text)
    if directory is None:
        if found is None:
            raise InputRejected(source, [Defect(source, "line 1", "", _NO_ROUND)])
        directory = Directory.empty(found, "report title")
    policy = options.for_round(directory.round.feedback_date, today)
    if policy.default is None and report_date is not None:
        policy = DeadlinePolicy(policy.base, policy.immediate_days, report_date)
    problems, defects, renumbered = _problems(text, source)
    places = LinePlaces(source, directory)
    rows = [_problem_data(p, policy, places, defects, source) for p in problems]
    if not problems and not defects:
        defects.append(Defect(source, "", "", _NO_PROBLEMS))
    parsed = validate_plan({**directory.data(), "problems": rows}, places, source, registry, defects)
    return parsed, ReportRead(renumbered, report_date)


def _problems(text: str, source: str) -> tuple[list[_Problem], list[Defect], bool]:
    problems: list[_Problem] = []
    defects: list[Defect] = []
    category: str | None = None
    numbered: _Problem | None = None  # the last N. problem: the group of any (1) sub-items below it
    parent: _Problem | None = None
    current: _Problem | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().strip("\u3000\xa0").strip()
        if not line:
            continue
        heading = _PROBLEM.match(line) or _SUB_ITEM.match(line)
        if heading is not None:
            sub = heading.re is _SUB_ITEM
            head, inline = _cut_body(heading.groups()[-1])
            title = _title(head)
            if title is None:
                defects.append(Defect(source, f"line {number}", "问题", _NO_TITLE))
                current = None
                continue
            if sub and parent is None and numbered is not None and current is numbered:
                parent = numbered
                if not parent.body:
                    problems.remove(parent)  # a heading over sub-items groups them; it is no problem itself
            elif not sub:
                parent = None
            where = " / ".join(c for c in (category, parent.title if sub and parent else None) if c) or None
            written = heading[1] if heading[1] else None
            current = _Problem(0, int(written) if written else None, title, number, where)
            numbered = None if sub else current
            problems.append(current)
            if inline:
                current.body.append((number, inline))
            continue
        section = _SECTION.match(line)
        if section is not None and _ends_problem(line, section, current):
            category, current, parent, numbered = _category(section[2]), None, None, None
        elif line.startswith(_CLOSING) or _DATE_LINE.match(line) or _SIGNATURE.match(line):
            current = None
        elif current is not None:
            current.body.append((number, _BODY.sub("", line)))
    return problems, defects, _number(problems)


def _ends_problem(line: str, section: re.Match[str], current: _Problem | None) -> bool:
    """``一、…`` is a section and ``(一)…方面`` a category; ``(一)…`` inside a problem's text is one of its points."""
    return current is None or not line.startswith(("(", "（")) or _category(section[2]) is not None


def _cut_body(rest: str) -> tuple[str, str]:
    """A heading may carry its text on the same line: ``1.关于“…”的问题。整改情况：一是……``."""
    match = _BODY_INLINE.search(rest)
    if match is None:
        return rest, ""
    return rest[: match.start()], rest[match.end() :].strip()


def _title(head: str) -> str | None:
    """The text between the outer quotes after 关于, quotes inside kept; or the unquoted 关于…的问题."""
    start = head.find("关于")
    rest = head[start + 2 :].lstrip() if start >= 0 else head
    if rest and rest[0] in _QUOTES:
        closing = {_QUOTES[rest[0]], "”", '"'}
        # The last closing quote after which only a heading's ending follows (的问题。, 问题的整改…); matched
        # in place (no slice per quote), so a line of a hundred thousand quotes costs one pass.
        for pos in range(len(rest) - 1, 0, -1):
            if rest[pos] in closing and _AFTER_TITLE.match(rest, pos + 1):
                return _balanced(rest[1:pos].strip())
        return None
    match = _UNQUOTED.match("关于" + rest)
    return _balanced(match[1].strip()) if match else None


def _balanced(title: str) -> str | None:
    """The title if its inner quotes pair up; a lost opening quote (关于南部街道“空心化”加剧”的问题) is a typo
    to be fixed, not a title ending in a stray quote."""
    if not title:
        return None
    pairs = (("“", "”"), ("「", "」"), ("『", "』"))
    return title if all(title.count(a) == title.count(b) for a, b in pairs) else None


def _category(text: str) -> str | None:
    """``(一)在“落实党中央决策部署”方面`` -> 落实党中央决策部署; a plain section (一、巡视整改组织领导情况) -> None."""
    quoted = re.search(r"[“\"「](.+)[”\"」]", text[:_TITLE_CHARS])  # a category is short; the search is quadratic
    if quoted and "方面" in text:
        return quoted[1]
    if text.endswith(("方面", "方面的问题", "方面问题")):
        return re.sub(r"^(?:在|关于)", "", text).removesuffix("的问题").removesuffix("问题").strip()
    return None


def _number(problems: list[_Problem]) -> bool:
    """Numbers as written where they identify problems; else 1..N in order (sub-items, per-category restarts)."""
    written = [p.written for p in problems]
    unique = None not in written and len(set(written)) == len(written)
    restarts = not unique and None not in written and _restart_per_category(problems)
    if unique or (not restarts and None not in written):
        for p in problems:
            p.number = p.written or 0
        return False
    for i, p in enumerate(problems, start=1):
        p.number = i
    return True


def _restart_per_category(problems: list[_Problem]) -> bool:
    first: dict[str | None, int | None] = {}
    for p in problems:
        first.setdefault(p.category, p.written)
    return len(first) > 1 and all(n == 1 for n in first.values())


def _problem_data(
    p: _Problem, policy: DeadlinePolicy, places: LinePlaces, defects: list[Defect], source: str
) -> dict[str, Any]:
    body = " ".join(t for _, t in p.body if t).strip()
    kind: Kind = "long_term" if any(w in body for w in LONG_TERM) else "dated"
    if kind == "dated" and any(w in body for w in IMMEDIATE):
        kind = "immediate"
    deadline = policy.settle(Reading(kind, None))[1]
    if deadline is None and kind == "dated":
        defects.append(Defect(source, f"line {p.line}", "整改时限", _NO_DEADLINE))
        deadline = policy.base
    items = split_items(p.body)
    places.lines.append(p.line)
    places.measure_lines.append([line for line, _ in items])
    out: dict[str, Any] = {
        "number": p.number,
        "title": p.title,
        "kind": kind,
        "measures": [{"text": t} for _, t in items],
    }
    for key, value in (("category", p.category), ("deadline", deadline), ("progress", body or None)):
        if value is not None:
            out[key] = value
    return out


# Enumerated actions inside a 整改情况 text: 一是…二是…, 一方面…另一方面…, (1)…(2)…, ①…②…
# No ``\s*`` before the enumerator: the look-behind already accepts one after a space, and a leading
# ``\s*`` would rescan a run of spaces from each of its positions (quadratic on a long run).
_ITEM = re.compile(
    r"(?:^|(?<=[。；;，,！!：:\s]))(?:(?P<cn>[一二三四五六七八九十]{1,3})是|(?P<side>另?一方面)"
    r"|[(（](?:(?P<num>\d{1,2})|(?P<cnp>[一二三四五六七八九十]{1,3}))[)）]|(?P<circ>[①-⑳]))"
)


def split_items(body: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """(line, text) of each enumerated action, in order; the whole text as one action where none is enumerated.

    An enumerator counts only in sequence (一是 before 二是, 一方面 before 另一方面), so that
    ``统一是`` or a stray ``(2)`` inside a sentence does not split it.
    """
    items: list[list[Any]] = []
    expected = 1
    for line, text in body:
        cuts = []
        for m in _ITEM.finditer(text):
            n = _item_number(m)
            if n == expected:
                cuts.append((m.start(), m.end()))
                expected += 1
        pos = 0
        for start, end in cuts:
            if items and start > pos:
                items[-1][1] += text[pos:start]
            items.append([line, ""])
            pos = end
        if items:
            items[-1][1] += text[pos:]
    out = [(line, _clean(t)) for line, t in items if _clean(t)]
    if out:
        return out
    whole = _clean(" ".join(t for _, t in body))
    return [(body[0][0], whole)] if whole else []


def _item_number(m: re.Match[str]) -> int | None:
    if m["cn"]:
        return chinese_number(m["cn"])
    if m["side"]:
        return 2 if m["side"].startswith("另") else 1
    if m["num"]:
        return int(m["num"])
    if m["cnp"]:
        return chinese_number(m["cnp"])
    return ord(m["circ"]) - ord("①") + 1


def _clean(text: str) -> str:
    return text.strip().strip("。;；,，:： ").strip()


_NO_ROUND = Text(
    "标题中找不到轮次名称（应为 “…关于××巡视整改进展情况的通报”）：请用 --round 或 --new-round 指定",
    "no round name in the title (expected “…关于××巡视整改进展情况的通报”): give --round or --new-round",
)
_NO_PROBLEMS = Text(
    "找不到问题：应有形如 “1.关于“……”的问题。” 的行，其后为 “整改情况:……”",
    "no problems found: expected lines like 1.关于“…”的问题。 each followed by 整改情况:…",
)
_NO_TITLE = Text(
    "找不到问题名称：应为 关于“……”的问题（引号须成对）",
    "cannot read the problem's title: expected 关于“…”的问题 with matching quotes",
)
_NO_DEADLINE = Text(
    "通报未写整改时限，且无落款日期：请用 --default-deadline 指定限期整改问题的时限",
    "the report gives no deadline and no date at its end: pass --default-deadline for dated problems",
)
