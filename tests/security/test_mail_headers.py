"""No user text reaches an e-mail header: names, titles, group names, visit purposes and self-check titles
carrying CR/LF, fake headers, encoded-word tricks or extra addresses, in work prompts, visit notices and
self-check reminders, delivered to a real SMTP server (and written as .eml files).

The plan reader already refuses a name with a line break or an address list (tests/badinput); these
texts are put in the database directly, as data written before those checks, or by hand, would be.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage

import pytest
from sqlalchemy import select, text

from supervise.adapters.mail import EmlMailer, Outgoing, SmtpMailer
from supervise.adapters.tables import outbox
from supervise.services import selfcheck, supervision
from supervise.services.context import Context
from supervise.services.delivery import DeliveryOptions, deliver
from supervise.services.reminders import ScanOptions, scan
from supervise.settings import MailSettings
from tests.security.conftest import beijing, import_text, plan_text, problem_yaml

INJECT = "\r\nBcc: evil@example.com\r\nX-Injected: yes"
ENCODED_WORD = "=?utf-8?q?=0D=0ABcc:_evil@example.com?="
HEADERS = {"Content-Type", "MIME-Version", "From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted"}
OPTIONS = DeliveryOptions(lang="both", max_attempts=2)
FRIDAY = beijing("2024-03-22")  # problem 1's first rung, the visit's notice and the self-check's reminder


@pytest.fixture
def hostile(ctx: Context) -> Context:
    """A round whose every text bound for a prompt tries to break out of the message body into its headers."""
    title_yaml = problem_yaml(1).replace(
        "title: 问题1", 'title: "防洪设施\\r\\nBcc: evil@example.com\\r\\nX-Injected: yes"'
    )
    import_text(ctx, plan_text(title_yaml))
    supervision.create_group(ctx, supervision.CreateGroup("第一督办组" + INJECT, ("赵六",), "张三"))
    supervision.plan_visit(
        ctx,
        supervision.PlanVisit(
            "第一督办组" + INJECT, dt.date(2024, 3, 27), "张三", problems=(1,), purpose="检查" + INJECT
        ),
    )
    selfcheck.start_campaign(ctx, selfcheck.StartCampaign("一季度自查" + INJECT, dt.date(2024, 3, 26), "张三"))
    with ctx.writing() as conn:
        for name, new in (
            ("李四", "李四" + INJECT),
            ("陈一", ENCODED_WORD),
            ("王五", '"王五" <evil@example.com>, 王五'),
        ):
            conn.execute(text("UPDATE people SET name = :new WHERE name = :old"), {"new": new, "old": name})
    scan(ctx, ScanOptions(now=FRIDAY))
    return ctx


def _check(message: EmailMessage) -> None:
    assert set(message.keys()) == HEADERS
    assert message["Subject"].startswith("工作提示 No.") and "evil" not in message["Subject"]
    (to,) = message["To"].addresses
    assert "\r" not in to.display_name and "\n" not in to.display_name
    assert to.addr_spec.endswith("@example.org") and "evil" not in to.addr_spec


def test_no_user_text_reaches_a_header_of_a_prompt_a_notice_or_a_reminder(hostile, smtp_server, tmp_path):
    result = deliver(hostile, smtp_server.mailer(tmp_path), OPTIONS, now=FRIDAY)
    inbox = smtp_server.inbox
    assert len(result.sent) == len(inbox.messages) == 3  # 李四, 陈一 and 王五
    assert sorted(rcpts for _, rcpts in inbox.envelopes) == [
        ["chenyi@example.org"],
        ["lisi@example.org"],
        ["wangwu@example.org"],
    ]
    for message in inbox.messages:
        _check(message)
    names = {m["To"].addresses[0].display_name for m in inbox.messages}
    # Each name decodes to exactly what was stored, CR/LF flattened: the encoded word stays literal text.
    assert names == {"李四 Bcc: evil@example.com X-Injected: yes", ENCODED_WORD, '"王五" <evil@example.com>, 王五'}
    (lisi,) = inbox.to("lisi@example.org")
    body = lisi.get_body(("plain",)).get_content()
    for rung in ("防洪设施", "第一督办组", "一季度自查"):  # the ladder, the visit notice and the self-check
        assert rung in body


def test_the_eml_files_written_without_a_server_carry_the_same_headers_only(hostile, tmp_path):
    mailer = EmlMailer(MailSettings(smtp_url=None, sender="office@example.org", outbox_dir=tmp_path / "eml"))
    assert len(deliver(hostile, mailer, OPTIONS, now=FRIDAY).sent) == 3
    for path in sorted((tmp_path / "eml").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        _check(message)


def test_an_address_that_names_a_second_recipient_is_refused_and_nobody_else_is_mailed(
    small_round, smtp_server, tmp_path
):
    with small_round.writing() as conn:
        conn.execute(text("UPDATE people SET email = 'lisi@example.org,evil@example.com' WHERE name = '李四'"))
        conn.execute(text("UPDATE people SET email = 'chenyi@example.org>, <evil@example.com' WHERE name = '陈一'"))
    scan(small_round, ScanOptions(now=FRIDAY))
    result = deliver(small_round, smtp_server.mailer(tmp_path), OPTIONS, now=FRIDAY)
    assert len(result.failed) == 2 and result.sent == []
    assert smtp_server.inbox.envelopes == []
    with small_round.reading() as conn:
        errors = conn.execute(select(outbox.c.last_error).where(outbox.c.state == "failed")).scalars().all()
    assert all("not a single plain address" in e for e in errors)


def test_the_envelope_is_the_one_address_whatever_the_headers_say(smtp_server, tmp_path):
    """smtplib would otherwise take the recipients from the To header; the mailer names them itself."""
    mailer: SmtpMailer = smtp_server.mailer(tmp_path)
    out = Outgoing(
        1, "<1@supervise>", "李四, evil@example.com", "lisi@example.org", "工作提示", "正文", "<p>正文</p>", FRIDAY
    )
    assert [(key, outcome.verdict) for key, outcome in mailer.send([out])] == [(1, "sent")]
    assert smtp_server.inbox.envelopes == [("office@example.org", ["lisi@example.org"])]
    (to,) = smtp_server.inbox.messages[0]["To"].addresses
    assert (to.display_name, to.addr_spec) == ("李四, evil@example.com", "lisi@example.org")
