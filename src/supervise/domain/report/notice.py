"""The public progress report (通报), built from the ledger in the structure offices publish.

The structure follows the reference report: a title line, an opening paragraph with the
round's dates, 一、organisation (what the office did, from the figures supervise records),
二、progress (each problem as ``N.关于“…”的问题。`` then ``整改情况:…``), 三、next steps
(derived from what is still open), the feedback channel and disclosure period, the
signature and the date. Punctuation follows the reference text (``,`` and ``:`` as it
prints them). Only facts from the ledger and the office's own file are stated: a figure
that nothing records is left out with its sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from supervise.domain.registry import WorkflowRegistry
from supervise.domain.report import chinese as cn
from supervise.domain.report.facts import Ledger, MeasureFact, ProblemFact
from supervise.domain.report.model import Report
from supervise.domain.report.notice_config import NoticeConfig
from supervise.domain.text import Text

# What a problem with neither a progress note nor measures is said to be doing, by state.
STATE_SITUATIONS = {
    "assigned": "已明确责任领导、牵头单位和整改时限,正在推进整改。",
    "in_progress": "正在推进整改。",
    "self_check": "已完成整改并开展自查,正在核验。",
    "verified": "已完成整改,经核验待销号。",
    "long_term": "已完成阶段性整改任务。",
    "closed": "已完成整改。",
}
_REGION = re.compile(r"(区|县|市|州|盟|旗|省|自治区)$")
_DEPLOYER = re.compile(r"^(.+?)(?:第[一二三四五六七八九十百零\d]+)?(?:巡视|巡察)组")


@dataclass(frozen=True)
class Point:
    """One 一是/二是 paragraph: a short heading (no full stop) and its body."""

    heading: str
    body: str


@dataclass(frozen=True)
class NoticeProblem:
    number: int
    title: str
    situation: str  # what follows 整改情况:


@dataclass(frozen=True)
class Notice:
    title: str
    opening: str
    word: str  # 巡视 or 巡察, as the round calls itself
    organisation: list[Point]
    problems: list[NoticeProblem]
    next_steps: list[Point]
    closing: str
    signature: str | None
    date: str
    notes: list[Text]  # what the office should know (e.g. no feedback channel given)


def build_notice(ledger: Ledger, report: Report, workflows: WorkflowRegistry, config: NoticeConfig) -> Notice:
    """``ledger`` as of the report's day (``history.restate``), ``report`` computed from it."""
    r = ledger.round
    word = "巡察" if "巡察" in f"{r.name}{r.inspecting_body or ''}" else "巡视"
    notes: list[Text] = []
    issuer = config.issuer or _default_issuer(r.inspected_unit)
    if issuer is None:
        notes.append(
            Text("未给出发布单位（issuer），标题和落款从简", "no issuer given: the title and signature are short")
        )
    date = config.date or report.as_of
    return Notice(
        title=f"{'中共' + issuer if issuer else ''}关于{r.name}整改进展情况的通报",
        opening=_opening(ledger, word, config),
        word=word,
        organisation=[
            *(Point(p.heading, p.text) for p in config.organisation),
            *_organisation(ledger, report, word, config),
        ],
        problems=[_problem(p, workflows, report.as_of) for p in ledger.problems],
        next_steps=[*_next_steps(report), *(Point(p.heading, p.text) for p in config.next_steps)],
        closing=_closing(word, config, date, notes),
        signature=f"中共{issuer}" if issuer else None,
        date=cn.date(date),
        notes=notes,
    )


def _default_issuer(unit: str | None) -> str | None:
    """江夏区 -> 江夏区委: the party committee of a region is named after it; for any other unit the
    office must say (a department's is its 党组 or 党委, which the ledger does not know)."""
    return f"{unit}委" if unit and _REGION.search(unit) else None


def _opening(ledger: Ledger, word: str, config: NoticeConfig) -> str:
    r = ledger.round
    match = _DEPLOYER.match(r.inspecting_body or "")
    deployer = config.deployer or (match.group(1) if match else None)
    clauses = [f"根据{deployer}{word}统一部署"] if deployer else []
    if r.inspection_start and r.inspection_end:
        clauses.append(cn.span(r.inspection_start, r.inspection_end))
    who = f"{r.inspecting_body}对" if r.inspecting_body else "对"
    clauses.append(
        f"{who}{r.inspected_unit}进行了{word}" if r.inspected_unit else f"{r.inspecting_body or ''}开展了{word}"
    )
    if r.feedback_date:
        clauses.append(f"并于{cn.date(r.feedback_date, after=r.inspection_end)}反馈了{word}意见")
    return ",".join(clauses) + f"。按照{word}工作有关要求,现将{word}整改进展情况予以公布。"


def _organisation(ledger: Ledger, report: Report, word: str, config: NoticeConfig) -> list[Point]:
    s = report.summary
    plan = f"对照{word}反馈问题,制定整改落实方案,逐一明确责任领导、牵头单位、责任单位和整改时限,共{s.problems}个问题"
    plan += f"、{s.measures}项整改举措。" if s.measures else "。"
    kinds = [(s.kinds["immediate"], "立行立改"), (s.kinds["dated"], "限期整改"), (s.kinds["long_term"], "需长期坚持")]
    named = [f"{label}{n}个" for n, label in kinds if n]
    if len(named) > 1:
        plan += "其中" + "、".join(named) + "。"
    if config.lead_official:
        led = [p for p in ledger.problems if p.leader == config.lead_official.name]
        if led:
            plan += f"{config.lead_official.title}带头领办{len(led)}个问题{sum(len(p.measures) for p in led)}项举措。"
    points = [Point("细化分工,压实责任", plan)]
    checks = _checks(report)
    if checks:
        points.append(Point("对账督查,整改销号", ",".join(checks) + "。"))
    return points


def _checks(report: Report) -> list[str]:
    """The sentences of the supervision paragraph, each only when its figure is recorded."""
    a, s, out = report.activity, report.summary, []
    if a.work_prompts:
        out.append(f"向责任领导、各牵头单位发送工作提示{a.work_prompts}份")
    if a.supervision_groups and a.visits:
        out.append(f"成立{cn.small_count(a.supervision_groups)}个督办组,实地专项督办{a.visits}次")
    elif a.visits:
        out.append(f"实地专项督办{a.visits}次")
    if a.selfcheck_campaigns:
        out.append(f"组织开展逐项对账自查{a.selfcheck_campaigns}轮")
    if a.reviews:
        out.append(f"定期分析盘点整改进度{a.reviews}次")
    if a.send_backs:
        out.append(f"对整改不到位的事项退回重新整改{a.send_backs}次")
    if s.problems_closed:
        out.append(f"经逐项核验,已整改销号问题{s.problems_closed}个")
    return out


def _problem(p: ProblemFact, workflows: WorkflowRegistry, today: dt.date) -> NoticeProblem:
    parts: list[str] = []
    progress = (p.progress or "").strip()
    if p.kind == "immediate" and "立行立改" not in progress:
        parts.append("立行立改,")
    if progress:
        parts.append(cn.sentence(progress))
    parts += _measure_sentences(p, progress, workflows, today)
    if not progress and not p.measures:
        parts.append(STATE_SITUATIONS.get(p.state, "正在推进整改。"))
    workflow = workflows.get(p.workflow)
    long_term = p.kind == "long_term" or not (workflow.tracks_deadline(p.state) or workflow.is_final(p.state))
    if long_term and "长期坚持" not in progress:
        parts.append("该项整改需长期坚持,将持续巩固整改成效。")
    if p.rebound_count and not workflow.is_final(p.state):
        parts.append("该问题销号后出现反弹,已重新启动整改。")
    return NoticeProblem(p.number, p.title, "".join(parts))


def _measure_sentences(p: ProblemFact, progress: str, workflows: WorkflowRegistry, today: dt.date) -> list[str]:
    """Measures as 一是…,已完成。二是…,正有序推进。 Where the progress note already tells them (it
    enumerates its own points, or contains the measures' text), only how many are done: nothing twice."""
    if not p.measures:
        return []
    done = sum(1 for m in p.measures if workflows.get(m.workflow).is_final(m.state))
    told = _flat(progress)
    if "一是" in progress or all(_flat(m.text) in told for m in p.measures):
        if len(p.measures) == 1:
            return ["该项举措已完成。" if done else "该项举措正有序推进。"]
        if done == len(p.measures):
            return [f"{len(p.measures)}项整改举措已全部完成。"]
        return [f"{len(p.measures)}项整改举措已完成{done}项,其余正有序推进。"]
    return [f"{cn.ordinal(i)}{_measure_text(m, workflows, today)}" for i, m in enumerate(p.measures, start=1)]


def _flat(text: str) -> str:
    """Text without punctuation or spaces, for telling whether one text already contains another."""
    return re.sub(r"[\s,，。.;；:：、!！?？“”‘’\"'()（）《》]", "", text)


def _measure_text(m: MeasureFact, workflows: WorkflowRegistry, today: dt.date) -> str:
    text = cn.sentence(m.text)[:-1]
    workflow = workflows.get(m.workflow)
    if workflow.is_final(m.state):
        return f"{text},已完成。"
    if m.deadline is not None and m.deadline < today and workflow.tracks_deadline(m.state):
        return f"{text},已超过完成时限,正加快推进。"
    due = f",计划于{cn.date(m.deadline)}前完成" if m.deadline else ""
    if m.state == workflow.initial:
        return f"{text}{due or ',正在推进'}。"
    return f"{text},正有序推进{due}。"


def _next_steps(report: Report) -> list[Point]:
    s = report.summary
    clauses = []
    if s.problems_closed:
        clauses.append(f"对已经完成整改的{s.problems_closed}个问题,全面巩固提升整改成效,坚决防止问题回潮反弹")
    if s.problems_open:
        clauses.append(f"对还未完成的{s.problems_open}个问题,不松劲、不懈怠、不减压,加快完成整改任务")
    if s.problems_long_term:
        clauses.append(f"对需要长期坚持的{s.problems_long_term}个问题,紧盯不放、一抓到底,确保件件有落地、条条见成效")
    points = [Point("对表对账,按时整改清零", ";".join(clauses) + "。")] if clauses else []
    if s.problems_overdue or s.measures_overdue:
        late = [f"{s.problems_overdue}个问题"] if s.problems_overdue else []
        late += [f"{s.measures_overdue}项举措"] if s.measures_overdue else []
        points.append(
            Point(
                "聚焦逾期事项,加强督办问效",
                f"对已超过整改时限的{'、'.join(late)},逐项分析原因,压实牵头单位责任,明确完成时限,加大督办力度。",
            )
        )
    if s.problems_rebounded:
        points.append(
            Point(
                "严防问题反弹,巩固整改成果",
                f"对出现反弹的{s.problems_rebounded}个问题,深入查找根源,举一反三,坚决防止再次反弹。",
            )
        )
    points.append(
        Point(
            "建章立制,健全长效机制",
            "坚持由此及彼、由表及里、由点及面,对共性问题和薄弱环节,仔细研究治本之策,"
            "进一步完善机制,着力构建有效管用的制度体系。",
        )
    )
    return points


def _closing(word: str, config: NoticeConfig, date: dt.date, notes: list[Text]) -> str:
    text = f"欢迎广大干部群众对{word}整改落实情况进行监督。如有意见建议,请及时向我们反映。"
    fb = config.feedback
    if fb is None:
        notes.append(
            Text(
                "未给出反馈渠道和公开期限（--notice-config 的 feedback）",
                "no feedback channel or disclosure period given (feedback in --notice-config)",
            )
        )
        return text
    if fb.disclosure is not None:
        start, end = fb.disclosure.period(date)
        text += f"公开期限:{cn.span(start, end)}。"
    contact = []
    if fb.phone:
        contact.append(f"电话{fb.phone}" + (f"({fb.phone_hours})" if fb.phone_hours else ""))
    if fb.mailbox:
        contact.append(f"邮政信箱:{fb.mailbox}" + (f"(邮编:{fb.postcode})" if fb.postcode else ""))
    if fb.email:
        contact.append(f"电子邮箱:{fb.email}")
    if contact:
        text += "联系方式: " + ";".join(contact) + "。"
    return text
