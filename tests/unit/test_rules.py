"""Who may fire what, and what each trigger needs: every role × trigger pair and every requirement."""

from __future__ import annotations

import datetime as dt

import pytest

from supervise.domain.errors import TransitionRefused
from supervise.domain.rules import Actor, ItemFacts, Request, decide
from supervise.domain.workflow import ROLES

LEAD_UNIT, OTHER_UNIT, LEADER_ID, SUBMITTER_ID = 10, 11, 7, 99

PROBLEM_AUTHORITY = {
    "start": {"unit", "leader", "office"},
    "submit": {"unit", "leader", "office"},
    "verify": {"supervisor", "office"},
    "close": {"office"},
    "send_back": {"supervisor", "office"},
    "reopen": {"office", "supervisor"},
    "keep_long_term": {"office"},
    "extend": {"office"},
}
MEASURE_AUTHORITY = {
    "start": {"unit", "leader", "office"},
    "finish": {"unit", "leader", "office"},
    "reopen": {"office", "supervisor", "leader"},
    "extend": {"office"},
}


def actor(role: str, *, person_id: int = 1, unit_id: int | None = LEAD_UNIT) -> Actor:
    if role == "leader":
        person_id = LEADER_ID
    return Actor(person_id, f"{role}-person", frozenset({role}), unit_id)


def item(state: str, **overrides: object) -> ItemFacts:
    facts = {
        "ref": "13",
        "state": state,
        "leader_id": LEADER_ID,
        "unit_ids": frozenset({LEAD_UNIT}),
        "submitted_by_id": SUBMITTER_ID,
        "open_measures": (),
        "has_evidence": True,
        "deadline": dt.date(2024, 3, 31),
    }
    facts.update(overrides)
    return ItemFacts(**facts)  # type: ignore[arg-type]


def full_request(trigger: str) -> Request:
    return Request(trigger, note="理由充分", evidence_count=1, new_deadline=dt.date(2024, 6, 30))


def refusal(fn) -> TransitionRefused:
    with pytest.raises(TransitionRefused) as caught:
        fn()
    return caught.value


@pytest.mark.parametrize(
    ("workflow_name", "authority"), [("problem", PROBLEM_AUTHORITY), ("measure", MEASURE_AUTHORITY)]
)
def test_each_role_may_fire_exactly_the_triggers_it_is_given(workflows, workflow_name, authority):
    wf = workflows.get(workflow_name)
    assert set(wf.triggers) == set(authority)
    for trigger, allowed in authority.items():
        source = wf.sources_of(trigger)[0]
        for role in ROLES:
            attempt = lambda r=role, s=source, t=trigger: decide(wf, item(s), actor(r), full_request(t))
            if role in allowed:
                assert attempt().transition.trigger == trigger, (trigger, role)
            else:
                assert [m.code for m in refusal(attempt).missing] == ["role"], (trigger, role)


def test_it_rejects_verify_by_the_submitter(workflows):
    office = Actor(SUBMITTER_ID, "张三", frozenset({"office"}), None)
    error = refusal(lambda: decide(workflows.get("problem"), item("self_check"), office, Request("verify")))
    assert [m.code for m in error.missing] == ["not_submitter"]
    assert error.details["state"] == "self_check" and error.details["trigger"] == "verify"
    assert "submitted this fix" in error.text.en


def test_it_rejects_close_by_the_submitter(workflows):
    office = Actor(SUBMITTER_ID, "张三", frozenset({"office"}), None)
    error = refusal(
        lambda: decide(workflows.get("problem"), item("verified"), office, Request("close", note="同意销号"))
    )
    assert [m.code for m in error.missing] == ["not_submitter"]


def test_a_unit_contact_acts_only_on_items_of_their_own_unit(workflows):
    wf = workflows.get("problem")
    outsider = actor("unit", unit_id=OTHER_UNIT)
    error = refusal(lambda: decide(wf, item("assigned"), outsider, Request("start")))
    assert [m.code for m in error.missing] == ["not_responsible"]
    co_unit_item = item("assigned", unit_ids=frozenset({LEAD_UNIT, OTHER_UNIT}))
    assert decide(wf, co_unit_item, outsider, Request("start")).dest == "in_progress"


def test_a_leader_acts_only_on_the_problems_they_are_responsible_for(workflows):
    other_leader = Actor(8, "另一位领导", frozenset({"leader"}), None)
    error = refusal(lambda: decide(workflows.get("problem"), item("assigned"), other_leader, Request("start")))
    assert [m.code for m in error.missing] == ["not_responsible"]


def test_submit_needs_a_note_and_every_measure_done_and_says_both(workflows):
    facts = item("in_progress", open_measures=("13.1", "13.2"))
    error = refusal(lambda: decide(workflows.get("problem"), facts, actor("unit"), Request("submit")))
    assert [m.code for m in error.missing] == ["note", "measures_done"]
    assert error.details["missing"][1]["open_measures"] == ["13.1", "13.2"]
    assert "13.1, 13.2" in error.text.en and "13.1, 13.2" in error.text.zh


@pytest.mark.parametrize(
    ("state", "trigger", "code"),
    [
        ("self_check", "send_back", "reason"),
        ("closed", "reopen", "reason"),
        ("verified", "close", "statement"),
    ],
)
def test_triggers_that_need_words_refuse_blank_ones(workflows, state, trigger, code):
    error = refusal(lambda: decide(workflows.get("problem"), item(state), actor("office"), Request(trigger, note="  ")))
    assert [m.code for m in error.missing] == [code]


def test_finishing_a_measure_needs_evidence_now_or_on_record(workflows):
    wf = workflows.get("measure")
    bare = item("doing", has_evidence=False)
    assert [m.code for m in refusal(lambda: decide(wf, bare, actor("unit"), Request("finish"))).missing] == ["evidence"]
    assert decide(wf, bare, actor("unit"), Request("finish", evidence_count=1)).dest == "done"
    assert decide(wf, item("doing", has_evidence=True), actor("unit"), Request("finish")).dest == "done"


def test_extend_needs_a_new_and_different_deadline_and_keeps_the_state(workflows):
    wf = workflows.get("problem")
    office = actor("office")
    assert [
        m.code for m in refusal(lambda: decide(wf, item("in_progress"), office, Request("extend", note="x"))).missing
    ] == ["new_deadline"]
    same = Request("extend", note="x", new_deadline=dt.date(2024, 3, 31))
    assert "equals the current" in refusal(lambda: decide(wf, item("in_progress"), office, same)).text.en
    outcome = decide(wf, item("in_progress"), office, Request("extend", note="x", new_deadline=dt.date(2024, 6, 30)))
    assert (outcome.source, outcome.dest) == ("in_progress", "in_progress")
    assert "set_deadline" in outcome.transition.effects


def test_it_names_the_state_the_trigger_and_where_the_trigger_is_allowed(workflows):
    error = refusal(lambda: decide(workflows.get("problem"), item("assigned"), actor("office"), Request("close")))
    assert error.details["state"] == "assigned" and error.details["trigger"] == "close"
    assert error.details["missing"][0]["allowed_from"] == ["verified", "long_term"]
    assert "已交办" in error.text.zh and "only allowed from: verified, long_term" in error.text.en


def test_it_names_the_known_triggers_when_the_trigger_does_not_exist(workflows):
    error = refusal(lambda: decide(workflows.get("problem"), item("assigned"), actor("office"), Request("approve")))
    assert error.missing[0].code == "unknown_trigger"
    assert "start" in error.text.en


def test_reopen_of_a_closed_problem_counts_a_rebound(workflows):
    outcome = decide(workflows.get("problem"), item("closed"), actor("supervisor"), Request("reopen", note="问题反弹"))
    assert outcome.dest == "in_progress" and "count_rebound" in outcome.transition.effects
