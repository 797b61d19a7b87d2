"""A real SMTP server (aiosmtpd) whose behaviour a test scripts: slow, busy (421/451), refusing (550).

It keeps what it accepted — one ``Received`` per message and recipient — so a test can
count deliveries by Message-ID and by recipient, and read the items each message lists.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.services import free_port

# An item of a work prompt in the English text: "3. [Red] RL:13 title" … "Expected: …".
_ITEM = re.compile(r"^\d+\. \[[^\]]*\] (?P<ref>\S+) ", re.M)
_EXPECTED = re.compile(r"^ {3}Expected: (?P<text>.*)$", re.M)


@dataclass(frozen=True)
class Received:
    message_id: str
    recipient: str
    subject: str
    text: str

    def items(self) -> list[tuple[str, str]]:
        """(ref, what is expected) of every item the message lists, read from its English text."""
        english = self.text[self.text.find("Dear ") :]
        refs = [m["ref"] for m in _ITEM.finditer(english)]
        expected = [m["text"] for m in _EXPECTED.finditer(english)]
        assert len(refs) == len(expected), self.text
        return list(zip(refs, expected, strict=True))


@dataclass
class FaultySmtp:
    """The handler. The test sets these between (or during) deliveries:

    - ``delay``: seconds before answering RCPT — a slow server (greylisting, DNS checks);
    - ``mail_reply``: answer MAIL FROM with this (``421 …``: busy, closing) instead of 250;
    - ``data_reply``: answer DATA with this (``451 …``) and keep nothing;
    - ``refuse``: address → reply at RCPT (``550 …`` for a mailbox that does not exist);
    - ``drop``: close the connection at RCPT without a word (a crashed filter, a restart);
    - ``after_store``: called once a message is stored, before the 250 goes back — the one
      moment where a sender that dies has had its message accepted without knowing it.
    """

    delay: float = 0.0
    mail_reply: str | None = None
    data_reply: str | None = None
    refuse: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    after_store: Callable[[Received], None] | None = None
    received: list[Received] = field(default_factory=list)
    rcpt_attempts: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)  # replies other than 250, by code
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if self.mail_reply:
            self._count(self.mail_reply)
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        with self.lock:
            self.rcpt_attempts[address] += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.drop:
            self._count("drop")
            server.transport.close()
            return "421 4.4.2 closing"  # never reaches the client: the connection is gone
        reply = self.refuse.get(address)
        if reply:
            self._count(reply)
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.data_reply:
            self._count(self.data_reply)
            return self.data_reply
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        stored = [Received(str(message["Message-ID"]), r, str(message["Subject"]), text) for r in envelope.rcpt_tos]
        with self.lock:
            self.received.extend(stored)
        if self.after_store is not None:
            for r in stored:
                self.after_store(r)
        return "250 OK"

    def _count(self, reply: str) -> None:
        with self.lock:
            self.refused[reply[:3]] += 1

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def by_message_id(self) -> Counter[str]:
        return Counter(r.message_id for r in self.snapshot())

    def items_by_recipient(self) -> dict[str, Counter[tuple[str, str]]]:
        """Every (ref, expected) item each recipient received, counted: 2 means they heard it twice."""
        out: dict[str, Counter[tuple[str, str]]] = {}
        for r in self.snapshot():
            out.setdefault(r.recipient, Counter()).update(r.items())
        return out


@dataclass
class SmtpServer:
    handler: FaultySmtp
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    handler = FaultySmtp()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(handler, port)
    finally:
        controller.stop()
