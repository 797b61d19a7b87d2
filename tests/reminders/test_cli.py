"""The reminder commands, the deployment files, and the migration, as an operator meets them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from supervise.adapters import migrate
from supervise.adapters.calendar import library_years
from supervise.adapters.db import make_engine
from supervise.cli.main import app
from tests.services import in_ci, scratch_postgres_database

ROOT = Path(__file__).resolve().parents[2]
REMINDER_TABLES = {"reminders", "work_prompts", "prompt_items", "outbox", "reminder_runs", "reminder_state"}


@pytest.fixture
def cli(office, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SUPERVISE_DATABASE_URL", database_url)
    monkeypatch.setenv("SUPERVISE_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.delenv("SUPERVISE_SMTP_URL", raising=False)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout

    return run


def test_remind_scan_dry_run_shows_what_goes_to_whom(cli):
    code, out = cli("remind", "scan", "--now", "2024-03-22T10:00", "--dry-run", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["dry_run"] and data["run_id"] is None
    assert {p["recipient"]: p["count"] for p in data["prompts"]} == {"张三": 1, "李四": 2, "王五": 1}
    code, out = cli("prompts", "--json")
    assert json.loads(out)["prompts"] == []


def test_scan_deliver_and_prompts_show_what_was_sent(cli, tmp_path):
    assert cli("remind", "scan", "--now", "2024-03-22T10:00")[0] == 0
    code, out = cli("remind", "deliver", "--now", "2024-03-22T10:05", "--json")
    assert code == 0 and json.loads(out)["sent"] == 3
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3
    code, out = cli("prompts", "--json")
    prompts = json.loads(out)["prompts"]
    assert [(p["number"], p["recipient"], p["state"]) for p in prompts] == [
        (3, "王五", "sent"),
        (2, "李四", "sent"),
        (1, "张三", "sent"),
    ]
    assert "R4:13 (before_5)" in prompts[1]["items"]
    code, out = cli("prompts")
    assert code == 0 and "No." in out and "sent" in out


def test_remind_plan_lists_the_coming_reminders_by_date(cli):
    code, out = cli("remind", "plan", "--until", "2024-04-02", "--now", "2024-03-26T10:00", "--json")
    assert code == 0
    entries = [(e["date"], e["ref"], e["rung"]) for e in json.loads(out)["entries"]]
    assert ("2024-03-27", "R4:2", "before_2") in entries
    assert ("2024-03-29", "R4:13", "due") in entries
    assert ("2024-04-01", "R4:13", "overdue") in entries
    assert entries == sorted(entries, key=lambda e: e[0])


def test_problems_and_show_carry_the_light_in_json(cli):
    code, out = cli("problems", "--json")
    assert code == 0 and {r["light"] for r in json.loads(out)} == {"red"}
    code, out = cli("show", "13", "--json")
    view = json.loads(out)
    assert view["light"] == "red" and view["measures"][0]["light"] == "red"


def test_the_calendar_commands_enter_overrides_and_refuse_unknown_years(cli):
    assert cli("calendar", "set", "2026-12-31", "--holiday", "--note", "试行")[0] == 0
    code, out = cli("calendar", "show", "2026", "--json")
    assert code == 0 and any(o["day"] == "2026-12-31" for o in json.loads(out)["overrides"])
    unknown = str(max(library_years()) + 1)
    code, out = cli("calendar", "show", unknown, "--json")
    assert code != 0 and json.loads(out)["error"] == "calendar_year_unknown"
    assert cli("calendar", "declare", unknown)[0] == 0
    assert cli("calendar", "show", unknown)[0] == 0


def test_beat_refuses_to_run_beside_the_embedded_worker(cli, monkeypatch):
    monkeypatch.delenv("SUPERVISE_BROKER_URL", raising=False)
    assert cli("beat")[0] == 2


def test_the_compose_file_is_valid():
    if shutil.which("docker-compose") is None:
        if in_ci():
            pytest.fail("docker-compose is not installed and CI=true: .ci/run installs it")
        pytest.skip("docker-compose (Debian's package) is not installed; apt-get install docker-compose")
    result = subprocess.run(
        ["docker-compose", "-f", "compose.yaml", "config", "-q"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    services = subprocess.run(
        ["docker-compose", "-f", "compose.yaml", "config", "--services"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    assert set(services) == {"postgres", "redis", "mailpit", "migrate", "worker", "beat"}
    assert (ROOT / "Dockerfile").is_file()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0002_upgrades_and_downgrades(backend, tmp_path):
    def check(url: str) -> None:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine, "0001")
            migrate.upgrade(engine, "0002")
            assert set(inspect(engine).get_table_names()) >= REMINDER_TABLES
            indexes = {i["name"] for i in inspect(engine).get_indexes("measures")}
            assert {"ix_measures_deadline_state", "ix_measures_updated_at"} <= indexes
            migrate.downgrade(engine, "0001")
            assert not REMINDER_TABLES & set(inspect(engine).get_table_names())
            assert "ix_measures_deadline_state" not in {i["name"] for i in inspect(engine).get_indexes("measures")}
            migrate.upgrade(engine)
            assert migrate.current_revision(engine) == migrate.head_revision()
        finally:
            engine.dispose()

    if backend == "sqlite":
        check(f"sqlite:///{tmp_path / 'm.db'}")
    else:
        with scratch_postgres_database() as url:
            check(url)


@pytest.mark.timeout(60)  # were the check missing, the command would run on (and this test hang)
@pytest.mark.parametrize("command", ["worker", "beat"])
def test_worker_and_beat_refuse_to_start_on_a_database_not_yet_initialised(command, tmp_path, monkeypatch):
    monkeypatch.setenv("SUPERVISE_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    monkeypatch.setenv("SUPERVISE_BROKER_URL", "redis://127.0.0.1:6379/15")  # beat refuses the embedded mode
    result = CliRunner().invoke(app, [command])
    assert result.exit_code == 7, result.stdout
    assert "supervise init" in result.stdout + result.stderr


@pytest.mark.timeout(60)
def test_worker_refuses_to_start_on_a_database_it_cannot_reach(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPERVISE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")  # port 9: discard
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 7, result.stdout
    assert "database" in (result.stdout + result.stderr).lower()
