"""The reference round as it unfolded, as a timeline of dated actions. Pure: no I/O, no clock.

From the ledger (problem numbers, kinds, deadlines, measures, who is responsible) it derives
what the units, supervisors and the office do from the feedback (2023-11-07) to the public
report (2024-07-18): units start at once and finish their measures ahead of the deadlines;
immediate problems (立行立改) close within a month; long-term ones are kept under review;
three supervision groups make six visits, one sending a problem back and one finding a
rebound; two self-check campaigns; a review at each month's end. A few problems run late or
stay open, as in the report: one needs the province (extended), one is a school to build
(extended), one is overdue, and problem 41 ends with 13 of its 14 audit items done (its first
measure still under way, the progress note saying so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

OFFICE = "巡察办甲"
GROUPS = (
    ("第一督办组", ("督办一组组长", "巡察办甲")),
    ("第二督办组", ("督办二组组长", "督查室乙")),
    ("第三督办组", ("督办三组组长",)),
)
START, END = dt.date(2023, 11, 7), dt.date(2024, 7, 18)
EXTENDED = {
    14: (dt.date(2024, 3, 25), dt.date(2024, 12, 31), "闸背桥改造需与省相关部门协商确定方案"),
    8: (dt.date(2024, 6, 20), dt.date(2025, 8, 31), "山坡高中改扩建工程按建设工期推进"),
    41: (dt.date(2024, 6, 25), dt.date(2024, 12, 31), "剩余1个审计问题已明确整改措施，正有序推进"),
}
OVERDUE = {9}  # still open at the report, past its deadline
# Measures still being worked on at the report (by position; -1 is the last). Problem 41's first measure is
# the audit items themselves: 13 of the 14 done, the last one under way.
UNFINISHED = {8: {-1}, 14: {-1}, 9: {-1}, 41: {1}}
STILL_OPEN = {41: "反馈未整改到位的14个审计问题已整改13个并申请销号，剩余1个已明确整改措施、有序推进"}
LATE = {39: dt.date(2023, 12, 20), 15: dt.date(2024, 6, 12)}  # measures finished after the deadline
SENT_BACK = 29  # sent back by the fourth visit
REBOUND = 40  # closed, then found rebounded by the third visit


@dataclass(frozen=True)
class Seat:
    """What the scenario needs to know of one problem."""

    number: int
    kind: str
    deadline: dt.date | None
    measures: tuple[str, ...]
    actor: str  # who acts for the lead unit: its contact, or the responsible leader
    unit: str | None


@dataclass(frozen=True)
class Fire:
    ref: str
    trigger: str
    actor: str
    note: str | None = None
    evidence: bool = False
    deadline: dt.date | None = None


@dataclass(frozen=True)
class Progress:
    ref: str
    actor: str
    text: str


@dataclass(frozen=True)
class FormGroup:
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class PlanVisit:
    group: str
    on: dt.date
    problems: tuple[int, ...]
    purpose: str


@dataclass(frozen=True)
class RecordVisit:
    number: int
    actor: str
    findings: tuple[tuple[int, str, str], ...]  # (problem, outcome, note)
    summary: str


@dataclass(frozen=True)
class StartSelfcheck:
    title: str
    due: dt.date


@dataclass(frozen=True)
class AnswerSelfcheck:
    ref: str
    answer: str
    actor: str
    note: str | None = None


@dataclass(frozen=True)
class TakeReview:
    pass


Action = Fire | Progress | FormGroup | PlanVisit | RecordVisit | StartSelfcheck | AnswerSelfcheck | TakeReview


@dataclass(order=True, frozen=True)
class Step:
    day: dt.date
    minute: int  # minutes after midnight, local time: orders the day's steps
    action: Action = field(compare=False)


class Timeline:
    """Builds the steps; every day is moved to a working day (the calendar decides)."""

    def __init__(self, is_workday: Callable[[dt.date], bool]) -> None:
        self.is_workday = is_workday
        self.steps: list[Step] = []
        self._minutes: dict[dt.date, int] = {}  # from 10:00, each action a minute after the one before it
        self._closings: dict[int, list[tuple[dt.date, bool]]] = {}  # problem -> (day, closed?) as it goes

    def closed(self, number: int, day: dt.date, closed: bool = True) -> None:
        self._closings.setdefault(number, []).append((day, closed))

    def is_open(self, number: int, day: dt.date) -> bool:
        """Whether a problem is not closed on ``day``, by the steps planned so far."""
        past = [closed for when, closed in sorted(self._closings.get(number, [])) if when <= day]
        return not (past and past[-1])

    def workday(self, day: dt.date, forward: bool = True) -> dt.date:
        while not self.is_workday(day):
            day += dt.timedelta(days=1 if forward else -1)
        return day

    def at(self, day: dt.date, action: Action, *, exact: bool = False) -> dt.date:
        day = day if exact else self.workday(day)
        minute = self._minutes[day] = self._minutes.get(day, 600) + 1
        self.steps.append(Step(day, minute, action))
        return day


def build(seats: list[Seat], is_workday: Callable[[dt.date], bool]) -> list[Step]:
    """The whole round's steps, in order."""
    t = Timeline(is_workday)
    for name, members in GROUPS:
        t.at(dt.date(2023, 11, 10), FormGroup(name, members))
    by_number = {s.number: s for s in seats}
    for seat in seats:
        _problem(t, seat)
    _visits(t, by_number)
    _selfchecks(t, seats)
    _reviews(t)
    return sorted(t.steps)


def supervisor_for(number: int) -> str:
    return GROUPS[number % 3][1][0]


def _problem(t: Timeline, s: Seat) -> None:
    ref = str(s.number)
    t.at(dt.date(2023, 11, 8), Fire(ref, "start", s.actor))
    for k in range(1, len(s.measures) + 1):
        t.at(dt.date(2023, 11, 9), Fire(f"{ref}.{k}", "start", s.actor))
    if s.number in EXTENDED:
        day, new, reason = EXTENDED[s.number]
        t.at(day, Fire(ref, "extend", OFFICE, reason, deadline=new))
    finished = _finish_measures(t, s)
    if s.number in EXTENDED or s.number in OVERDUE:
        return
    if s.number == SENT_BACK:
        t.at(dt.date(2024, 4, 23), Fire(ref, "submit", s.actor, "整改完成，提交自查"))
        finished = dt.date(2024, 5, 10)  # resubmitted after the visit sent it back
    _sign_off(t, s, finished)
    if s.number == REBOUND:
        _rebound(t, s)


def _finish_measures(t: Timeline, s: Seat) -> dt.date:
    """Finish each measure with evidence, then report where the problem stands; returns the last day."""
    last = _last_finish(s)
    start = (
        dt.date(2023, 11, 20) if s.kind == "immediate" else dt.date(2023, 12, 15) + dt.timedelta(days=s.number % 5 * 7)
    )
    first, count = min(last, start), len(s.measures)
    unfinished = {k if k > 0 else count + 1 + k for k in UNFINISHED.get(s.number, set())}
    for k in range(1, count + 1):
        if k not in unfinished:
            t.at(first + (last - first) * k // count, Fire(f"{s.number}.{k}", "finish", s.actor, evidence=True))
    t.at(last, Progress(str(s.number), s.actor, _standing(s, sorted(unfinished))))
    return t.workday(last)


def _standing(s: Seat, unfinished: list[int]) -> str:
    """The progress note (进展情况) a unit reports when its work is done, or where it stops at the report."""
    if unfinished:
        return STILL_OPEN.get(s.number, f"正在推进：{s.measures[unfinished[0] - 1]}")
    if len(s.measures) == 1:
        return f"{s.measures[0]}，已完成"
    return f"{len(s.measures)}项整改举措已全部完成，并建立长效机制巩固整改成效"


def _last_finish(s: Seat) -> dt.date:
    if s.number in LATE:
        return LATE[s.number]
    deadline = s.deadline or dt.date(2024, 6, 30)
    return deadline - dt.timedelta(days=10 + s.number % 4)


def _sign_off(t: Timeline, s: Seat, finished: dt.date) -> None:
    ref, supervisor = str(s.number), supervisor_for(s.number)
    submitted = t.at(finished + dt.timedelta(days=1), Fire(ref, "submit", s.actor, "整改完成，提交自查"))
    verified = t.at(submitted + dt.timedelta(days=2), Fire(ref, "verify", supervisor, "核验属实"))
    if s.kind == "long_term":
        t.at(verified + dt.timedelta(days=3), Fire(ref, "keep_long_term", OFFICE, "阶段性任务完成，转入长期坚持"))
    else:
        t.closed(s.number, t.at(verified + dt.timedelta(days=1), Fire(ref, "close", OFFICE, "经核验，同意销号")))


def _rebound(t: Timeline, s: Seat) -> None:
    """After the third visit reopens it: the first measure is done again, then the problem is signed off again."""
    ref = str(s.number)
    t.closed(s.number, VISITS[2][1], closed=False)
    t.at(dt.date(2024, 3, 13), Fire(f"{ref}.1", "reopen", OFFICE, "回头看发现部分问题反弹，重新整改"))
    t.at(dt.date(2024, 5, 15), Fire(f"{ref}.1", "finish", s.actor, evidence=True))
    t.at(dt.date(2024, 5, 15), Progress(ref, s.actor, "反弹问题已重新整改到位，建立长效机制"))
    _sign_off(t, s, dt.date(2024, 5, 20))


VISITS = (
    (0, dt.date(2023, 12, 12), (38, 39), "立行立改事项落实情况"),
    (1, dt.date(2024, 1, 16), (11, 13, 15), "防洪排涝和湖泊治理"),
    (2, dt.date(2024, 3, 12), (REBOUND, 32), "上轮巡视问题整改回头看"),
    (0, dt.date(2024, 4, 26), (5, SENT_BACK), "开发区体制和政府采购整改"),
    (1, dt.date(2024, 5, 21), (6, 7, 10, 20, 33), "乡村振兴和农村三资监管"),
    (2, dt.date(2024, 6, 18), (16, 41), "不动产办证和审计整改"),
)


def _visits(t: Timeline, seats: dict[int, Seat]) -> None:
    for number, (group, on, problems, purpose) in enumerate(VISITS, start=1):
        name, members = GROUPS[group]
        t.at(on - dt.timedelta(days=11), PlanVisit(name, on, problems, purpose))
        findings = tuple(_finding(p) for p in problems if p in seats)
        t.at(on, RecordVisit(number, members[0], findings, f"实地督办：{purpose}"), exact=True)


def _finding(problem: int) -> tuple[int, str, str]:
    if problem == REBOUND:
        return problem, "reopened", "回头看发现部分招投标问题整改不彻底、出现反弹"
    if problem == SENT_BACK:
        return problem, "sent_back", "追责问责材料不完整，退回补充"
    return problem, "confirmed", "现场查看，整改进展属实"


SELFCHECKS = (
    ("第一次逐项对账自查", dt.date(2024, 1, 8), dt.date(2024, 1, 19)),
    ("第二次逐项对账自查", dt.date(2024, 4, 8), dt.date(2024, 4, 19)),
)
SILENT = {25, 26}  # units that do not answer the first self-check in time


def _selfchecks(t: Timeline, seats: list[Seat]) -> None:
    for round_no, (title, start, due) in enumerate(SELFCHECKS, start=1):
        t.at(start, StartSelfcheck(title, due))
        for s in seats:
            if (round_no == 1 and s.number in SILENT) or not t.is_open(s.number, start):
                continue
            answer, note = (
                ("blocked", "需与省相关部门协商")
                if s.number in EXTENDED and s.number == 14
                else ("on_track", "按计划推进")
            )
            t.at(start + dt.timedelta(days=2 + s.number % 7), AnswerSelfcheck(str(s.number), answer, s.actor, note))


def _reviews(t: Timeline) -> None:
    month = dt.date(2023, 11, 1)
    while month < END:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        t.at(t.workday(following - dt.timedelta(days=1), forward=False), TakeReview(), exact=True)
        month = following
    t.at(END, TakeReview(), exact=True)
