"""Fixtures for the reminder tests: a real SMTP server (aiosmtpd), a plan with people and deadlines,
and Celery's own pytest fixtures (a real worker thread) on a real Redis."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.pytest import (  # noqa: F401  (Celery's fixtures, used by test_worker.py)
    celery_app,
    celery_config,
    celery_enable_logging,
    celery_includes,
    celery_parameters,
    celery_worker,
    celery_worker_parameters,
    celery_worker_pool,
    use_celery_app_trap,
)

from supervise.adapters.mail import SmtpMailer
from supervise.domain.plan import parse_plan
from supervise.services.context import Context
from supervise.services.importing import import_plan
from supervise.settings import MailSettings
from tests.services import free_port

UTC = dt.UTC


def at(day: str, hour: int = 10) -> dt.datetime:
    """``hour`` o'clock in Beijing on ``day``, as an aware UTC time (after the 08:30 send time)."""
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(UTC)


@dataclass
class Inbox:
    """What the SMTP server accepted, and how it should answer the next messages."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse_next: int = 0  # answer DATA with ``refusal`` this many times
    refusal: str = "451 4.3.0 try again later"
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        with self.lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return self.refusal
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, (_, rcpts) in zip(self.messages, self.envelopes, strict=True) if address in rcpts]


@dataclass
class SmtpServer:
    inbox: Inbox
    port: int

    def settings(self, outbox_dir: Path, **overrides: Any) -> MailSettings:
        base = {"smtp_url": f"smtp://127.0.0.1:{self.port}", "sender": "office@example.org", "outbox_dir": outbox_dir}
        return MailSettings(**{**base, "timeout": 5.0, **overrides})

    def mailer(self, outbox_dir: Path) -> SmtpMailer:
        return SmtpMailer(self.settings(outbox_dir))


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(inbox, port)
    finally:
        controller.stop()


PLAN = """
round: {name: 十二届省委第四轮巡视, code: R4, timezone: Asia/Shanghai, feedback_date: 2023-11-07}
units: [区委巡察办, 区水务和湖泊局, 区城管执法局, 区发改局]
people:
  - {name: 张三, email: zhangsan@example.org, unit: 区委巡察办, roles: [office]}
  - {name: 李四, email: lisi@example.org, unit: 区水务和湖泊局, roles: [unit]}
  - {name: 孙七, email: sunqi@example.org, unit: 区城管执法局, roles: [unit]}
  - {name: 周八, email: zhouba@example.org, unit: 区发改局, roles: [unit]}
  - {name: 王五, email: wangwu@example.org, roles: [leader]}
  - {name: 赵六, email: zhaoliu@example.org, roles: [supervisor]}
problems:
  - number: 13
    title: 防洪和排涝设施存在风险隐患
    kind: dated
    leader: 王五
    lead_unit: 区水务和湖泊局
    units: [区城管执法局]
    deadline: 2024-03-29
    measures:
      - {text: 完成险情治理工程, unit: 区水务和湖泊局, deadline: 2024-01-31}
  - number: 2
    title: 实施方案印发不及时
    kind: immediate
    leader: 王五
    lead_unit: 区发改局
    deadline: 2024-03-29
"""


def import_text(ctx: Context, text: str, source: str = "plan.yaml") -> None:
    import_plan(ctx, parse_plan(text, source, ctx.workflows), source)


@pytest.fixture
def office(ctx: Context) -> Context:
    """The context with PLAN imported: problems 13 (dated, measure 13.1) and 2 (immediate), both due 2024-03-29."""
    import_text(ctx, PLAN)
    return ctx
