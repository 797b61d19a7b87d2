"""Delivery: over a real SMTP server (aiosmtpd) or into .eml files; sent once, retried, failures shown."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import threading

from sqlalchemy import select, text, update

from supervise.adapters.mail import EmlMailer, SmtpMailer
from supervise.adapters.tables import outbox
from supervise.services.delivery import DeliveryOptions, deliver
from supervise.services.prompts import list_prompts
from supervise.services.reminders import ScanOptions, scan
from supervise.settings import MailSettings
from tests.reminders.conftest import at
from tests.services import free_port

OPTIONS = DeliveryOptions(lang="both", backoff_base=30, backoff_max=600, max_attempts=4)


def states(ctx):
    with ctx.reading() as conn:
        return dict(conn.execute(select(outbox.c.to_addr, outbox.c.state)).all())


def test_each_work_prompt_reaches_its_recipient_once(office, smtp_server, tmp_path):
    scan(office, ScanOptions(now=at("2024-03-22")))
    result = deliver(office, smtp_server.mailer(tmp_path), OPTIONS, now=at("2024-03-22"))
    assert len(result.sent) == 3
    inbox = smtp_server.inbox
    assert sorted(r[0] for _, r in inbox.envelopes) == [
        "lisi@example.org",
        "wangwu@example.org",
        "zhangsan@example.org",
    ]
    (message,) = inbox.to("lisi@example.org")
    assert message["Subject"].startswith("工作提示 No. 2：2 项整改事项需关注")
    assert message["To"].addresses[0].display_name == "李四"
    text_part = message.get_body(("plain",)).get_content()
    html_part = message.get_body(("html",)).get_content()
    assert "R4:13" in text_part and "防洪和排涝设施存在风险隐患" in text_part and "Dear 李四" in text_part
    assert "<table" in html_part and "R4:13.1" in html_part
    # nothing left to send: a second delivery sends nothing
    assert deliver(office, smtp_server.mailer(tmp_path), OPTIONS, now=at("2024-03-22")).sent == []
    assert len(inbox.messages) == 3
    assert set(states(office).values()) == {"sent"}


def test_no_user_text_can_inject_a_header(office, smtp_server, tmp_path):
    with office.writing() as conn:
        conn.execute(text("UPDATE people SET name = :n WHERE name = '李四'"), {"n": "李四\r\nBcc: evil@example.com"})
        conn.execute(text("UPDATE problems SET title = :t WHERE number = 13"), {"t": "标题\r\nX-Evil: 1 <b>粗</b>"})
    scan(office, ScanOptions(now=at("2024-03-22")))
    deliver(office, smtp_server.mailer(tmp_path), OPTIONS, now=at("2024-03-22"))
    (message,) = smtp_server.inbox.to("lisi@example.org")
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert all(len(rcpts) == 1 and "evil" not in rcpts[0] for _, rcpts in smtp_server.inbox.envelopes)
    assert "&lt;b&gt;粗&lt;/b&gt;" in message.get_body(("html",)).get_content()


def test_a_server_that_refuses_the_first_attempts_gets_each_message_once(office, smtp_server, tmp_path):
    scan(office, ScanOptions(now=at("2024-03-22")))
    smtp_server.inbox.refuse_next = 4  # 451: try again later
    now = at("2024-03-22")
    first = deliver(office, smtp_server.mailer(tmp_path), OPTIONS, now=now)
    assert len(first.retrying) == 3 and first.next_attempt_at == now + dt.timedelta(seconds=30)
    # not yet due: nothing is attempted before the backoff has passed
    assert deliver(office, smtp_server.mailer(tmp_path), OPTIONS, now=now + dt.timedelta(seconds=10)).sent == []
    second = deliver(office, smtp_server.mailer(tmp_path), OPTIONS, now=now + dt.timedelta(seconds=31))
    assert len(second.sent) == 2 and len(second.retrying) == 1
    assert second.next_attempt_at == now + dt.timedelta(seconds=31 + 60)  # the backoff doubles
    third = deliver(office, smtp_server.mailer(tmp_path), OPTIONS, now=now + dt.timedelta(seconds=200))
    assert len(third.sent) == 1
    assert sorted(r[0] for _, r in smtp_server.inbox.envelopes) == [
        "lisi@example.org",
        "wangwu@example.org",
        "zhangsan@example.org",
    ]


def test_a_permanent_refusal_is_recorded_and_shown_to_the_office(office, smtp_server, tmp_path):
    scan(office, ScanOptions(now=at("2024-03-22")))
    smtp_server.inbox.refuse_next = 1
    smtp_server.inbox.refusal = "550 5.1.1 mailbox unavailable"
    result = deliver(office, smtp_server.mailer(tmp_path), OPTIONS, now=at("2024-03-22"))
    assert len(result.failed) == 1 and len(result.sent) == 2
    (failed,) = list_prompts(office, failed=True)
    assert failed["state"] == "failed" and "550" in failed["last_error"]
    later = deliver(office, smtp_server.mailer(tmp_path), OPTIONS, now=at("2024-03-23"))
    assert later.sent == [] and later.retrying == []


def test_transient_failures_end_as_failed_when_the_attempts_are_used_up(office, smtp_server, tmp_path):
    scan(office, ScanOptions(now=at("2024-03-22")))
    smtp_server.inbox.refuse_next = 100
    now = at("2024-03-22")
    for _ in range(OPTIONS.max_attempts):
        deliver(office, smtp_server.mailer(tmp_path), OPTIONS, now=now)
        now += dt.timedelta(seconds=OPTIONS.backoff_max + 1)
    assert set(states(office).values()) == {"failed"}
    assert {p["attempts"] for p in list_prompts(office)} == {OPTIONS.max_attempts}


def test_an_unreachable_server_leaves_the_messages_pending(office, tmp_path):
    scan(office, ScanOptions(now=at("2024-03-22")))
    settings = MailSettings(f"smtp://127.0.0.1:{free_port()}", "office@example.org", tmp_path, timeout=2)
    result = deliver(office, SmtpMailer(settings), OPTIONS, now=at("2024-03-22"))
    assert len(result.retrying) == 3
    assert set(states(office).values()) == {"pending"}
    assert all(p["last_error"] for p in list_prompts(office))


def test_two_deliveries_at_once_send_each_message_once(office, smtp_server, tmp_path):
    scan(office, ScanOptions(now=at("2024-03-22")))
    threads = [
        threading.Thread(
            target=deliver, args=(office, smtp_server.mailer(tmp_path), OPTIONS), kwargs={"now": at("2024-03-22")}
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(smtp_server.inbox.messages) == 3
    assert set(states(office).values()) == {"sent"}


def test_a_claim_left_by_a_dead_sender_is_taken_over_after_the_lease(office, smtp_server, tmp_path):
    scan(office, ScanOptions(now=at("2024-03-22")))
    with office.writing() as conn:  # a sender claimed everything, then died
        conn.execute(update(outbox).values(state="sending", claim="dead", claimed_at=at("2024-03-22")))
    assert (
        deliver(office, smtp_server.mailer(tmp_path), OPTIONS, now=at("2024-03-22") + dt.timedelta(minutes=5)).sent
        == []
    )
    late = deliver(office, smtp_server.mailer(tmp_path), OPTIONS, now=at("2024-03-22") + dt.timedelta(minutes=11))
    assert len(late.sent) == 3


def test_without_a_server_the_messages_become_eml_files(office, tmp_path):
    scan(office, ScanOptions(now=at("2024-03-22")))
    settings = MailSettings(None, "office@example.org", tmp_path / "outbox")
    result = deliver(office, EmlMailer(settings), DeliveryOptions(lang="zh"), now=at("2024-03-22"))
    assert len(result.sent) == 3
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert [f.name for f in files] == ["work-prompt-1.1.eml", "work-prompt-2.2.eml", "work-prompt-3.3.eml"]
    message = email.message_from_bytes(files[1].read_bytes(), policy=email.policy.default)
    assert message["To"].addresses[0].addr_spec == "lisi@example.org"
    assert message["Subject"] == "工作提示 No. 2：2 项整改事项需关注"
    assert "Dear" not in message.get_body(("plain",)).get_content()  # Chinese only, as asked
