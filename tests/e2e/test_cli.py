"""The admin CLI end to end: what an office member types, what they see, and the exit codes scripts rely on."""

from __future__ import annotations

import hashlib

import pytest

from supervise.adapters import migrate
from tests.conftest import WALKTHROUGH

EVIDENCE_TEXT = "整改照片"


@pytest.fixture
def imported(cli):
    cli.ok("import", str(WALKTHROUGH))
    return cli


def test_a_new_database_must_be_initialised_first_and_init_says_where_it_is(blank_cli, tmp_path):
    refused = blank_cli("problems")
    assert refused.code == 7
    assert "supervise init" in refused.stderr
    done = blank_cli.ok("init", "--json").json
    assert done["database"] == f"sqlite:///{tmp_path / 'new' / 'supervise.db'}"
    assert (done["from_revision"], done["revision"]) == (None, migrate.head_revision())
    again = blank_cli.ok("init", "--json").json
    assert again["from_revision"] == again["revision"] == done["revision"]
    assert blank_cli.ok("problems", "--json").json == []


def test_problems_json_has_the_documented_fields(imported):
    [row] = imported.ok("problems", "--json").json
    assert {k: row[k] for k in ("number", "title", "kind", "state", "deadline", "leader", "lead_unit", "units")} == {
        "number": 13,
        "title": "防洪和排涝设施存在风险隐患,脱坡未及时治理",
        "kind": "dated",
        "state": "assigned",
        "deadline": "2024-03-31",
        "leader": "王五",
        "lead_unit": "区水务和湖泊局",
        "units": ["区城管执法局"],
    }


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--state", "assigned"], [13]),
        (["--state", "closed"], []),
        (["--unit", "区城管执法局"], [13]),
        (["--unit", "区委巡察办"], []),
        (["--leader", "王五"], [13]),
        (["--leader", "张三"], []),
        (["--overdue"], [13]),
    ],
)
def test_problems_filters(imported, args, expected):
    assert [r["number"] for r in imported.ok("problems", "--json", *args).json] == expected


def test_a_problem_goes_from_assigned_to_closed_through_the_cli(imported, tmp_path):
    proof = tmp_path / "proof.txt"
    proof.write_text(EVIDENCE_TEXT, encoding="utf-8")
    imported.ok("advance", "13", "start", "--actor", "李四")
    imported.ok("advance", "13.1", "finish", "--actor", "李四", "--evidence", str(proof))
    imported.ok("advance", "13.2", "finish", "--actor", "李四", "--evidence", str(proof))
    imported.ok("advance", "13", "submit", "--actor", "李四", "--note", "整改完成")
    imported.ok("advance", "13", "verify", "--actor", "赵六")
    closed = imported.ok("advance", "R4:13", "close", "--actor", "张三", "--note", "同意销号", "--json").json
    assert closed == {
        "ref": "13",
        "trigger": "close",
        "from_state": "verified",
        "to_state": "closed",
        "version": 5,
        "event_id": 7,
    }
    shown = imported.ok("show", "13", "--json").json
    assert shown["state"] == "closed"
    assert [{k: m[k] for k in ("text", "unit", "deadline", "state")} for m in shown["measures"]] == [
        {
            "text": "完成新河、斧头湖南大堤、金水河港渠险情治理工程",
            "unit": "区水务和湖泊局",
            "deadline": "2024-01-31",
            "state": "done",
        },
        {"text": "开展金水河流域脱坡隐患专项排查", "unit": None, "deadline": "2024-03-31", "state": "done"},
    ]
    assert [(e["trigger"], e["from"], e["to"], e["actor"]) for e in shown["events"]][-1] == (
        "close",
        "verified",
        "closed",
        "张三",
    )
    assert set(shown["events"][0]) >= {"trigger", "from", "to", "actor", "at", "note"}
    assert [e["sha256"] for e in shown["evidence"]] == [hashlib.sha256(EVIDENCE_TEXT.encode()).hexdigest()] * 2
    text = imported.ok("show", "13").stdout
    assert "已销号" in text and "同意销号" in text
    assert "audit chain intact: 7 events" in imported.ok("audit", "verify").stdout


def test_a_refusal_names_state_trigger_and_what_is_missing_and_exits_1(imported):
    imported.ok("advance", "13", "start", "--actor", "李四")
    refused = imported("advance", "13", "submit", "--actor", "李四")
    assert refused.code == 1
    assert "整改中" in refused.stderr and "in_progress" in refused.stderr and "submit" in refused.stderr
    assert "--note" in refused.stderr and "13.1, 13.2" in refused.stderr
    as_json = imported("advance", "13", "submit", "--actor", "李四", "--json")
    assert as_json.code == 1
    assert as_json.json["error"] == "transition_refused"
    assert [m["code"] for m in as_json.json["missing"]] == ["note", "measures_done"]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["advance", "13", "start", "--actor", "无名氏"], 5, "no person named 无名氏"),
        (["advance", "99", "start", "--actor", "李四"], 5, "no problem 99"),
        (["advance", "13", "start"], 2, "--actor"),
        (["advance", "13x", "start", "--actor", "李四"], 2, "cannot read reference"),
        (
            ["advance", "13", "extend", "--actor", "张三", "--note", "x", "--expect-version", "7"],
            4,
            "changed concurrently",
        ),
        (
            ["advance", "13.1", "finish", "--actor", "李四", "--evidence", "/nonexistent/proof.pdf"],
            3,
            "cannot read evidence",
        ),
        (["show", "13", "--round", "R4"], 2, "No such option"),
    ],
)
def test_failures_have_clear_messages_and_stable_exit_codes(imported, args, code, words):
    outcome = imported(*args)
    assert outcome.code == code, (outcome.stdout, outcome.stderr)
    assert words in outcome.stderr + outcome.stdout


def test_importing_a_bad_plan_names_file_line_and_key_and_writes_nothing(cli, tmp_path):
    bad = tmp_path / "plan.yaml"
    bad.write_text(WALKTHROUGH.read_text(encoding="utf-8").replace("kind: dated", "kind: later"), encoding="utf-8")
    outcome = cli("import", str(bad))
    assert outcome.code == 3
    line = next(i for i, text in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if "kind: later" in text)
    assert f"{bad}:line {line}: problems[0].kind:" in outcome.stderr
    assert "nothing was imported" in outcome.stderr
    assert cli.ok("problems", "--json").json == []


def test_importing_the_same_plan_twice_is_refused_whole(imported):
    again = imported("import", str(WALKTHROUGH), "--json")
    assert again.code == 3
    assert [d["field"] for d in again.json["defects"]] == ["problems[0].number"]


def test_a_dry_run_writes_nothing(cli):
    summary = cli.ok("import", str(WALKTHROUGH), "--dry-run", "--json").json
    assert (summary["problems"], summary["measures"], summary["dry_run"]) == (1, 2, True)
    assert cli.ok("problems", "--json").json == []


def test_bulk_moves_the_selected_problems_together(imported, tmp_path):
    plan = tmp_path / "more.yaml"
    plan.write_text(
        "round: {name: 十二届省委第四轮巡视}\nproblems:\n"
        "  - {number: 14, title: 法泗老闸闸背桥存隐患, kind: immediate}\n"
        "  - {number: 15, title: 排涝设施排涝能力不足, kind: long_term}\n",
        encoding="utf-8",
    )
    imported.ok("import", str(plan))
    moved = imported.ok("bulk", "start", "--state", "assigned", "--actor", "张三", "--json").json
    assert (moved["moved"], sorted(moved["refs"])) == (3, ["13", "14", "15"])
    refused = imported("bulk", "submit", "13", "14", "--actor", "张三", "--note", "完成")
    assert refused.code == 1 and "13.1, 13.2" in refused.stderr
    assert {r["state"] for r in imported.ok("problems", "--json").json} == {"in_progress"}
    assert imported("bulk", "start", "--actor", "张三").code == 3


def test_two_rounds_need_a_round_in_the_reference(imported, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(
        "round: {name: 另一轮巡察, code: X1}\nproblems:\n  - {number: 13, title: 另一个问题, kind: immediate}\n",
        encoding="utf-8",
    )
    imported.ok("import", str(other))
    ambiguous = imported("advance", "13", "start", "--actor", "张三")
    assert ambiguous.code == 5 and "ROUND:NUMBER" in ambiguous.stderr
    imported.ok("advance", "X1:13", "start", "--actor", "张三")
    assert imported.ok("show", "R4:13", "--json").json["state"] == "assigned"


def test_workflow_check_and_diagram(cli, tmp_path):
    names = [w["name"] for w in cli.ok("workflow", "check", "--json").json]
    assert names == ["measure", "problem"]
    assert "stateDiagram-v2" in cli.ok("workflow", "diagram", "problem").stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "name: broken\nversion: 1\ninitial: a\nstates: [{name: a, zh: 甲, en: A}]\ntransitions:\n"
        "  - {trigger: go, zh: 走, en: go, source: [a], dest: b, roles: [office]}\n",
        encoding="utf-8",
    )
    outcome = cli("workflow", "check", str(broken))
    assert outcome.code == 3
    assert f"{broken}:line 6: transitions[0].dest: 未知状态 b" in outcome.stderr
    assert cli("workflow", "diagram", "nonesuch").code == 5


def test_a_database_password_never_appears_in_errors():
    from tests.e2e.conftest import Supervise

    secret = "s3cret-Pa55"
    cli = Supervise({"SUPERVISE_DATABASE_URL": f"postgresql+psycopg://postgres:{secret}@127.0.0.1:1/nowhere"})
    for args in (["problems"], ["problems", "--json"], ["init", "--json"]):
        outcome = cli(*args)
        assert outcome.code == 7
        assert secret not in outcome.stdout + outcome.stderr
        assert "***" in outcome.stdout + outcome.stderr


def test_a_bad_setting_is_reported_not_a_traceback(database_url):
    from tests.e2e.conftest import Supervise

    cli = Supervise({"SUPERVISE_DATABASE_URL": database_url, "SUPERVISE_SMTP_TIMEOUT": "soon"})
    for args in (["problems"], ["problems", "--json"], ["workflow", "check"]):
        outcome = cli(*args)
        assert outcome.code == 2, (args, outcome.stdout, outcome.stderr)
        assert "SUPERVISE_SMTP_TIMEOUT" in outcome.stdout + outcome.stderr
