"""Who may fire a trigger on an item, and what it needs: pure decisions over plain facts.

The service layer reads the facts inside the transaction, asks ``decide``, and writes
the outcome. Every reason for a refusal is collected, not just the first, so that a
user fixes them all at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from supervise.domain.errors import Missing, TransitionRefused
from supervise.domain.text import Text, join
from supervise.domain.workflow import ROLE_LABELS, Transition, Workflow

# Roles whose authority covers only their own items; office and supervisors act on any.
SCOPED_ROLES = frozenset({"unit", "leader"})


@dataclass(frozen=True)
class Actor:
    id: int
    name: str
    roles: frozenset[str]
    unit_id: int | None


@dataclass(frozen=True)
class ItemFacts:
    """What the rules need to know about one problem or measure, read in the transaction."""

    ref: str
    state: str
    leader_id: int | None
    unit_ids: frozenset[int]
    submitted_by_id: int | None
    open_measures: tuple[str, ...] = ()
    has_evidence: bool = False
    deadline: dt.date | None = None


@dataclass(frozen=True)
class Request:
    trigger: str
    note: str | None = None
    evidence_count: int = 0
    new_deadline: dt.date | None = None


@dataclass(frozen=True)
class Outcome:
    transition: Transition
    source: str
    dest: str


def decide(workflow: Workflow, item: ItemFacts, actor: Actor, request: Request) -> Outcome:
    """The outcome of firing ``request.trigger``; or ``TransitionRefused`` naming all that is missing."""
    transition = workflow.find(item.state, request.trigger)
    if transition is None:
        raise TransitionRefused(
            item.ref,
            workflow.state_label(item.state),
            item.state,
            request.trigger,
            [_not_from_here(workflow, item.state, request.trigger)],
        )
    missing = authority(transition.roles, item, actor) + [
        m for req in transition.requires if (m := _requirement(req, item, actor, request)) is not None
    ]
    if missing:
        raise TransitionRefused(item.ref, workflow.state_label(item.state), item.state, request.trigger, missing)
    return Outcome(transition, item.state, transition.dest)


def _not_from_here(workflow: Workflow, state: str, trigger: str) -> Missing:
    if trigger not in workflow.triggers:
        known = ", ".join(workflow.triggers)
        return Missing(
            "unknown_trigger",
            Text(
                f"流程 {workflow.name} 没有 {trigger}（可用：{known}）",
                f"workflow {workflow.name} has no trigger {trigger} (known: {known})",
            ),
        )
    sources = workflow.sources_of(trigger)
    zh = "、".join(workflow.state_label(s).zh for s in sources)
    en = ", ".join(sources)
    return Missing(
        "wrong_state",
        Text(f"只能在以下状态执行：{zh}", f"only allowed from: {en}"),
        {"allowed_from": sources},
    )


def authority(roles: frozenset[str], item: ItemFacts, actor: Actor) -> list[Missing]:
    """Empty when one of the actor's roles among ``roles`` covers this item; otherwise why not."""
    for role in actor.roles & roles:
        if role not in SCOPED_ROLES:
            return []
        if role == "leader" and item.leader_id == actor.id:
            return []
        if role == "unit" and actor.unit_id is not None and actor.unit_id in item.unit_ids:
            return []
    needed = join([ROLE_LABELS[r] for r in sorted(roles)], "、", ", ")
    if actor.roles & roles:
        return [
            Missing(
                "not_responsible",
                Text(
                    f"{actor.name} 不是该事项的责任领导或责任单位人员",
                    f"{actor.name} is neither the responsible leader nor in a responsible unit of this item",
                ),
            )
        ]
    return [
        Missing(
            "role",
            Text(
                f"需由{needed}执行，{actor.name} 没有该角色",
                f"needs {needed}; {actor.name} has none of these roles",
            ),
            {"roles": sorted(roles), "actor_roles": sorted(actor.roles)},
        )
    ]


def _requirement(req: str, item: ItemFacts, actor: Actor, request: Request) -> Missing | None:
    has_note = bool(request.note and request.note.strip())
    if req in ("note", "reason", "statement") and not has_note:
        label = {
            "note": Text("说明", "a note"),
            "reason": Text("理由", "a reason"),
            "statement": Text("书面销号说明", "a written statement"),
        }[req]
        return Missing(req, Text(f"缺少{label.zh}（--note）", f"{label.en} is required (--note)"))
    if req == "evidence" and request.evidence_count == 0 and not item.has_evidence:
        return Missing(req, Text("缺少佐证材料（--evidence）", "evidence is required (--evidence)"))
    if req == "measures_done" and item.open_measures:
        listing = ", ".join(item.open_measures)
        return Missing(
            req,
            Text(f"还有未完成的举措：{listing}", f"measures not done yet: {listing}"),
            {"open_measures": list(item.open_measures)},
        )
    if req == "not_submitter" and item.submitted_by_id == actor.id:
        return Missing(
            req,
            Text(
                f"{actor.name} 提交了该整改，不能自己核验或销号",
                f"{actor.name} submitted this fix and cannot verify or close it",
            ),
        )
    if req == "new_deadline":
        if request.new_deadline is None:
            return Missing(req, Text("缺少新的整改时限（--deadline）", "a new deadline is required (--deadline)"))
        if request.new_deadline == item.deadline:
            return Missing(req, Text("新时限与原时限相同", "the new deadline equals the current one"))
    return None
