"""Secrets (the SMTP password, the database URL's password, the broker URL's password) never appear in any output.

Every command runs with secret-bearing settings against real services (PostgreSQL takes the
password and ignores it: trust authentication; Redis accepts any password for its default user;
the SMTP server offers no AUTH, so every delivery fails on the login and says why). Their
stdout, stderr, --json output, the errors they report, the failures recorded on the outbox,
and the start-up and log output of a real worker and beat are searched for each secret.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from supervise.settings import SettingsInvalid, load_settings, masked
from tests.conftest import ROOT, WALKTHROUGH
from tests.e2e.conftest import Supervise
from tests.reminders.conftest import SmtpServer
from tests.services import REDIS_URL, redis_available, require

DB_SECRET, SMTP_SECRET, BROKER_SECRET = "Pg-S3cret-91d", "Sm-S3cret-77a", "Rd-S3cret-42f"
SECRETS = (DB_SECRET, SMTP_SECRET, BROKER_SECRET)
FRIDAY = "2024-03-22T10:00:00+08:00"  # the walkthrough's problem 13 hears of its deadline


def secret_env(database_url: str, smtp: SmtpServer, outbox: Path) -> dict[str, str]:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        database_url = url.set(password=DB_SECRET).render_as_string(hide_password=False)
    broker = make_url(REDIS_URL.rsplit("/", 1)[0] + "/13").set(username="default", password=BROKER_SECRET)
    return {
        "SUPERVISE_DATABASE_URL": database_url,
        "SUPERVISE_SMTP_URL": f"smtp://office:{SMTP_SECRET}@127.0.0.1:{smtp.port}",
        "SUPERVISE_MAIL_FROM": "office@example.org",
        "SUPERVISE_BROKER_URL": broker.render_as_string(hide_password=False),
        "SUPERVISE_OUTBOX_DIR": str(outbox),
        "SUPERVISE_LANG": "both",
    }


def no_secret_in(text: str, secrets: tuple[str, ...] = SECRETS) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret} appears in:\n{text}"


def test_no_command_shows_a_secret(database_url, smtp_server, tmp_path):
    cli = Supervise(secret_env(database_url, smtp_server, tmp_path / "eml"))
    bad = ROOT / "tests" / "badinput" / "corpus" / "plans" / "duplicate-key.yaml"
    commands = [
        ("init",),
        ("init", "--json"),
        ("import", str(WALKTHROUGH), "--json"),
        ("import", str(bad)),
        ("import", str(bad), "--json"),
        ("problems", "--json"),
        ("show", "13", "--json"),
        ("advance", "13", "verify", "--actor", "李四", "--json"),
        ("advance", "13", "start", "--actor", "李四"),
        ("audit", "verify", "--json"),
        ("remind", "scan", "--now", FRIDAY, "--json"),
        ("remind", "deliver", "--now", FRIDAY, "--json"),
        ("remind", "deliver", "--now", FRIDAY),
        ("prompts", "--json"),
        ("prompts",),
        ("export", "-o", str(tmp_path / "ledger.yaml"), "--json"),
        ("report", "--json"),
        ("workflow", "check", "--json"),
        ("calendar", "show", "2024", "--json"),
    ]
    codes = {}
    for args in commands:
        outcome = cli(*args)
        codes[args[0:2]] = outcome.code
        no_secret_in(outcome.stdout + outcome.stderr)
    assert codes[("init",)] == 0 and codes[("import", str(bad))] == 3 and codes[("advance", "13")] == 0
    # The failed login was recorded and shown, without the password that was tried.
    prompts = json.loads(cli("prompts", "--json").stdout)["prompts"]
    errors = [p["last_error"] for p in prompts if p["last_error"]]
    assert errors and all("AUTH" in e for e in errors)


@pytest.mark.parametrize(
    ("variable", "url"),
    [
        ("SUPERVISE_DATABASE_URL", "postgresql+psycopg://postgres:Qz7/Kx9#Wv3@127.0.0.1:5432/db"),
        ("SUPERVISE_DATABASE_URL", "postgresql+psycopg://postgres:Qz7@Kx9@127.0.0.1:5432/db"),
        ("SUPERVISE_DATABASE_URL", "postgresql+psycopg://postgres:Qz7Kx9Wv3@127.0.0.1:port/db"),
        ("SUPERVISE_DATABASE_URL", "nosuchdb://postgres:Qz7Kx9Wv3@127.0.0.1/db"),
        ("SUPERVISE_SMTP_URL", "smtp://office:Qz7/Kx9#Wv3@mail.example.org:587"),
        ("SUPERVISE_SMTP_URL", "ftp://office:Qz7Kx9Wv3@mail.example.org"),
        ("SUPERVISE_BROKER_URL", "redis://default:Qz7?Kx9#Wv3@redis:6379/0"),
    ],
)
def test_a_password_the_url_cannot_hold_plainly_is_not_shown_in_part_either(tmp_path, variable, url):
    """A password with an unescaped / # ? or @ splits the URL in the wrong place: the parts then reached
    error messages as a host or a port ("Port could not be cast to integer value as 'Qz7'")."""
    env = {"SUPERVISE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", variable: url}
    cli = Supervise(env)
    commands = [("problems", "--json"), ("init",), ("remind", "deliver")]
    if not url.startswith("nosuchdb"):  # a driver that does not exist is met when the database is used
        commands += [("worker",), ("beat",)]
    for args in commands:
        outcome = cli(*args)
        assert outcome.code == 2, (args, outcome.stdout, outcome.stderr)
        no_secret_in(outcome.stdout + outcome.stderr, ("Qz7", "Kx9", "Wv3"))
        assert variable in outcome.stdout + outcome.stderr
    no_secret_in(masked(url), ("Qz7", "Kx9", "Wv3"))
    if url.startswith("nosuchdb"):
        return
    with pytest.raises(SettingsInvalid) as caught:
        load_settings(env)
    no_secret_in(str(caught.value) + repr(caught.value.as_dict()), ("Qz7", "Kx9", "Wv3"))


def test_settings_and_their_parts_print_no_secret(database_url, smtp_server, tmp_path):
    settings = load_settings(secret_env(database_url, smtp_server, tmp_path))
    no_secret_in(" ".join([repr(settings), str(settings), repr(settings.mail), repr(settings.worker)]))


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "supervise"), *args],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for(log: Path, words: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if words in text:
            return text
        time.sleep(0.1)
    raise AssertionError(f"{words!r} did not appear in {seconds}s:\n{log.read_text(errors='replace')}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@pytest.mark.timeout(120)
def test_a_worker_and_a_beat_start_work_and_log_without_a_secret(postgres_url, smtp_server, tmp_path):
    """A real worker on Redis: its banner, its connection lines, and its log of a scan and a failed delivery."""
    require(redis_available(), "Redis at 127.0.0.1:6379")
    env = secret_env(postgres_url, smtp_server, tmp_path / "eml")
    cli = Supervise(env)
    assert cli("init").code == 0
    cli("import", str(WALKTHROUGH))  # a second run of the module finds it there: either way it is in
    worker = _start(["worker", "--loglevel", "INFO", "--concurrency", "1"], env, tmp_path / "worker.log")
    try:
        _wait_for(tmp_path / "worker.log", "ready", 60)
        from worker.app import create_app
        from worker.runtime import Runtime

        app = create_app(Runtime(settings=lambda: load_settings(env)))
        app.send_task("supervise.scan", kwargs={"now": FRIDAY}, queue="supervise")
        # The delivery fails at the login (the server offers no AUTH) and is kept for a retry.
        _wait_for(tmp_path / "worker.log", "'retrying': 3", 60)
    finally:
        _stop(worker)
    text = (tmp_path / "worker.log").read_text(errors="replace")
    assert "default:**@" in text  # Celery names the broker, masked
    no_secret_in(text)
    beat = _start(["beat", "--loglevel", "INFO", "--schedule", str(tmp_path / "beat")], env, tmp_path / "beat.log")
    try:
        _wait_for(tmp_path / "beat.log", "beat: Starting", 60)
    finally:
        _stop(beat)
    no_secret_in((tmp_path / "beat.log").read_text(errors="replace"))
