"""Workflows as data: the default definitions, validation errors, and the one shared machine."""

from __future__ import annotations

import re

import pytest

from supervise.adapters.workflow_files import default_workflows_dir, load_registry
from supervise.domain.errors import WorkflowInvalid
from supervise.domain.workflow import load_workflow

PROBLEM_YAML = (default_workflows_dir() / "problem.yaml").read_text(encoding="utf-8")


def _rejects(text: str) -> WorkflowInvalid:
    with pytest.raises(WorkflowInvalid) as caught:
        load_workflow(text, "workflows/custom.yaml")
    return caught.value


def test_the_default_problem_workflow_follows_the_plan_of_record(workflows):
    wf = workflows.get("problem")
    expected = {
        ("assigned", "start"): "in_progress",
        ("in_progress", "submit"): "self_check",
        ("self_check", "verify"): "verified",
        ("verified", "close"): "closed",
        ("long_term", "close"): "closed",
        ("self_check", "send_back"): "in_progress",
        ("verified", "send_back"): "in_progress",
        ("closed", "reopen"): "in_progress",
        ("verified", "keep_long_term"): "long_term",
    }
    for (state, trigger), dest in expected.items():
        transition = wf.find(state, trigger)
        assert transition is not None, (state, trigger)
        assert transition.dest == dest
    for state in ("assigned", "in_progress", "self_check", "verified", "long_term"):
        extend = wf.find(state, "extend")
        assert extend is not None and extend.dest == state
    assert wf.find("closed", "extend") is None
    assert wf.initial == "assigned"
    assert wf.is_final("closed") and not wf.is_final("long_term")


def test_the_default_measure_workflow_goes_todo_doing_done_and_reopens(workflows):
    wf = workflows.get("measure")
    assert wf.find("todo", "start").dest == "doing"
    assert wf.find("doing", "finish").dest == "done"
    assert wf.find("done", "reopen").dest == "doing"


def test_every_state_has_chinese_and_english_labels(workflows):
    for name in workflows.names():
        for spec in workflows.get(name).spec.states:
            assert spec.zh and spec.en and spec.zh != spec.en


def test_it_compiles_one_machine_per_workflow_without_auto_transitions(workflows):
    wf = workflows.get("problem")
    assert wf.machine.models == []  # no item is ever registered
    assert not any(t.startswith("to_") for t in wf.machine.events)
    assert load_registry().get("problem").machine is not wf.machine  # compiled per load, then shared


def test_it_names_the_file_line_and_key_of_an_unknown_destination():
    bad = PROBLEM_YAML.replace("dest: verified", "dest: verifed")
    error = _rejects(bad)
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "dest: verifed" in text)
    [defect] = error.defects
    assert defect.source == "workflows/custom.yaml"
    assert defect.location == f"line {line}"
    assert re.fullmatch(r"transitions\[\d+\]\.dest", defect.field)
    assert "verifed" in defect.problem.en and "unknown state" in defect.problem.en


def test_it_reports_every_defect_at_once():
    bad = PROBLEM_YAML.replace("roles: [office]\n", "roles: [ofice]\n", 1).replace(
        "requires: [note, measures_done]", "requires: [note, measures_finished]"
    )
    bad = bad.replace("initial: assigned", "initial: assigned\ncolour: red")
    fields = {d.field for d in _rejects(bad).defects}
    assert "colour" in fields
    assert any(f.startswith("transitions[") and "roles" in f for f in fields)
    assert any(f.startswith("transitions[") and "requires" in f for f in fields)


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        (("initial: assigned", "initial: nowhere"), "initial", "unknown state nowhere"),
        (
            ("source: [in_progress]\n    dest: self_check", "source: [in_progres]\n    dest: self_check"),
            "transitions[1].source[0]",
            "unknown state in_progres",
        ),
        (
            ("  - {name: closed,", "  - {name: assigned, zh: 重复, en: Dup}\n  - {name: closed,"),
            "states[5].name",
            "duplicate state assigned",
        ),
        (("trigger: start\n", "trigger: Start!\n"), "transitions[0].trigger", "invalid value"),
        (("version: 1", "version: 0"), "version", "invalid value"),
    ],
)
def test_it_explains_what_is_wrong(edit, field, words):
    old, new = edit
    assert old in PROBLEM_YAML
    defects = _rejects(PROBLEM_YAML.replace(old, new, 1)).defects
    assert any(d.field == field and words in d.problem.en for d in defects), [d.render() for d in defects]


def test_it_rejects_a_trigger_defined_twice_from_the_same_state():
    duplicate = "\n".join(
        [
            "  - trigger: start",
            "    zh: 再次",
            "    en: again",
            "    source: [assigned]",
            "    dest: closed",
            "    roles: [office]",
            "",
        ]
    )
    defects = _rejects(PROBLEM_YAML + duplicate).defects
    assert any("start from assigned is defined twice" in d.problem.en for d in defects)


def test_it_rejects_a_state_nothing_leads_to():
    island = PROBLEM_YAML.replace("  - {name: closed,", "  - {name: limbo, zh: 悬置, en: Limbo}\n  - {name: closed,")
    [defect] = _rejects(island).defects
    assert defect.field == "states[5].name" and "unreachable" in defect.problem.en


def test_it_reports_a_yaml_syntax_error_with_its_line():
    [defect] = _rejects("name: problem\nstates: [\n  - oops: {\n").defects
    assert defect.location.startswith("line ")
    assert "YAML" in defect.problem.en


def test_it_requires_new_deadline_wherever_a_deadline_is_set():
    bad = PROBLEM_YAML.replace("requires: [new_deadline, reason]", "requires: [reason]")
    assert any("set_deadline needs new_deadline" in d.problem.en for d in _rejects(bad).defects)


def test_the_diagram_shows_every_state_and_edge(workflows):
    wf = workflows.get("problem")
    diagram = wf.mermaid()
    assert diagram.splitlines()[3] == "stateDiagram-v2"
    for state in wf.states.values():
        assert f'"{state.zh} / {state.en}" as {state.name}' in diagram
    assert "closed --> in_progress: reopen (office, supervisor)" in diagram
    assert "[*] --> assigned" in diagram
