"""Rules of the office's oversight work: supervision visits and self-check campaigns. No I/O."""

from __future__ import annotations

from typing import Literal

from supervise.domain.errors import Missing
from supervise.domain.rules import Actor
from supervise.domain.text import Text

Outcome = Literal["confirmed", "sent_back", "reopened"]
OUTCOMES: tuple[Outcome, ...] = ("confirmed", "sent_back", "reopened")
# The workflow trigger a finding fires, if any: a visit sends unfinished work back, or finds a closed problem rebounded.
OUTCOME_TRIGGERS: dict[str, str] = {"sent_back": "send_back", "reopened": "reopen"}
Answer = Literal["on_track", "done", "blocked"]
ANSWERS: tuple[Answer, ...] = ("on_track", "done", "blocked")

OUTCOME_LABELS = {
    "confirmed": Text("确认进展", "progress confirmed"),
    "sent_back": Text("退回重改", "sent back"),
    "reopened": Text("发现反弹，重新整改", "rebounded, reopened"),
}
ANSWER_LABELS = {
    "on_track": Text("按计划推进", "on track"),
    "done": Text("已完成", "done"),
    "blocked": Text("受阻", "blocked"),
}


def office_only(actor: Actor, what: Text) -> list[Missing]:
    if "office" in actor.roles:
        return []
    return [
        Missing(
            "role",
            Text(
                f"{what.zh}需由整改办执行，{actor.name} 没有该角色",
                f"{what.en} is for the rectification office; {actor.name} is not in it",
            ),
        )
    ]


def may_record_visit(actor: Actor, group_member_ids: frozenset[int]) -> list[Missing]:
    """The visit's own group (as supervisors) or the office records what a visit found."""
    if "office" in actor.roles or ("supervisor" in actor.roles and actor.id in group_member_ids):
        return []
    return [
        Missing(
            "not_in_group",
            Text(
                f"{actor.name} 不是该督办组成员，不能记录督办情况",
                f"{actor.name} is not a member of this visit's group",
            ),
        )
    ]


def finding_defects(outcome: str, note: str | None) -> list[Missing]:
    missing = []
    if outcome not in OUTCOMES:
        missing.append(
            Missing(
                "outcome",
                Text(f"督办结论应为 {'、'.join(OUTCOMES)}", f"the outcome must be one of {', '.join(OUTCOMES)}"),
            )
        )
    if not (note and note.strip()):
        missing.append(Missing("note", Text("缺少督办情况说明", "a note on what the visit found is required")))
    return missing


def answer_defects(answer: str, note: str | None, has_evidence: bool) -> list[Missing]:
    """on_track needs nothing more; done needs evidence (now or on record); blocked needs the reason."""
    if answer not in ANSWERS:
        return [
            Missing(
                "answer", Text(f"自查结论应为 {'、'.join(ANSWERS)}", f"the answer must be one of {', '.join(ANSWERS)}")
            )
        ]
    if answer == "done" and not has_evidence:
        return [Missing("evidence", Text("填报已完成需附佐证材料（--evidence）", "done needs evidence (--evidence)"))]
    if answer == "blocked" and not (note and note.strip()):
        return [Missing("reason", Text("填报受阻需说明原因（--note）", "blocked needs the reason (--note)"))]
    return []
