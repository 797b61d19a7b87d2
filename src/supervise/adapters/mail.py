"""Sending email: over SMTP (one connection per batch) or as ``.eml`` files when no server is configured.

Every outcome is classified so that the outbox can act on it: ``sent`` only when the
server accepted the message; ``transient`` (4xx replies, timeouts, a dropped or refused
connection) is retried later with backoff; ``permanent`` (5xx replies) is recorded as a
failure for the office to see.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import smtplib
import socket
import ssl
import tempfile
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from email.charset import Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import unquote, urlsplit

from supervise.settings import MailSettings

Verdict = Literal["sent", "transient", "permanent"]
_CONTROL = dict.fromkeys(range(32), " ") | {127: " "}
_UTF8 = Charset("utf-8")


@dataclass(frozen=True)
class Outgoing:
    """One rendered message, ready to build; ``key`` is the outbox row it came from."""

    key: int
    message_id: str
    to_name: str
    to_addr: str
    subject: str
    text: str
    html: str
    date: dt.datetime


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    detail: str = ""


class Mailer(Protocol):
    def send(self, batch: Sequence[Outgoing]) -> Generator[tuple[int, Outcome], None, None]:
        """Each message's outcome, by key, as soon as it is known — so that the caller can record a
        message the moment the server accepts it, not once the whole batch is through. Closing
        the generator early ends the batch (and its connection)."""
        ...


def header_text(value: str) -> str:
    """User text made safe for a header: control characters (CR, LF, …) become spaces."""
    return " ".join(value.translate(_CONTROL).split())


def build_message(out: Outgoing, sender: str) -> Message:
    """A multipart/alternative message (plain text and HTML, UTF-8).

    Every header value that carries user text (the recipient's name) first loses its
    control characters, so it cannot end a header line and start another; non-ASCII
    names and subjects are then encoded by RFC 2047. (The ``email.mime`` classes build
    and flatten about three times faster than ``EmailMessage`` with ``policy.default``,
    which matters when a scan writes hundreds of prompts.)
    """
    msg = MIMEMultipart("alternative")
    msg["From"] = formataddr(("supervise 整改督办", mailbox(sender)), charset="utf-8")
    msg["To"] = _named(header_text(out.to_name), mailbox(out.to_addr))
    # A Header object, folded by the generator itself (typeshed only knows str values).
    msg["Subject"] = Header(header_text(out.subject), "utf-8")  # type: ignore[assignment]
    msg["Date"] = format_datetime(out.date)
    msg["Message-ID"] = _address(out.message_id)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    msg.attach(MIMEText(out.text, "plain", "utf-8"))
    msg.attach(MIMEText(out.html, "html", "utf-8"))
    return msg


def _address(value: str) -> str:
    """A Message-ID: ASCII, no spaces or control characters, or it is refused."""
    cleaned = header_text(value)
    if cleaned != value or " " in value or not value.isascii():
        raise ValueError(f"not a plain ASCII address: {value!r}")
    return value


# One addr-spec and nothing else: a comma, an angle bracket or a quote in a stored address would make
# the To header (and an envelope read from it) name a second recipient. The domain may be one label
# (supervise@localhost, the default sender).
_MAILBOX = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})*")


def mailbox(value: str) -> str:
    """A single plain address, or ValueError: the message is then recorded as failed, never sent elsewhere."""
    if not _MAILBOX.fullmatch(value):
        raise ValueError(f"not a single plain address: {value!r}")
    return value


def _named(name: str, address: str) -> str:
    """``name <address>`` with the name always safe to decode.

    A name that looks like an encoded word (``=?utf-8?q?=0D=0ABcc:…?=``) would be decoded by
    the reader's mail program into a line break and a fake header; such a name, and any
    non-ASCII one, is encoded here as a whole (base64), so that decoding gives back exactly
    the text that was stored.
    """
    if name.isascii() and "=?" not in name:
        return formataddr((name, address))
    return f"{_UTF8.header_encode(name)} <{address}>"


class SmtpMailer:
    """Sends a batch over one SMTP connection.

    If the server drops the connection (it closed an idle one, or restarted), the message
    is tried once more on a fresh connection; if that one is dropped too, the rest of the
    batch waits for the next attempt rather than reconnecting without end.
    """

    def __init__(self, settings: MailSettings) -> None:
        assert settings.smtp_url is not None
        parts = urlsplit(settings.smtp_url)
        self.scheme = parts.scheme
        if self.scheme not in ("smtp", "smtps", "smtp+starttls"):
            raise ValueError(f"SUPERVISE_SMTP_URL: unknown scheme {self.scheme!r} (smtp, smtps, smtp+starttls)")
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.scheme == "smtps" else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.settings = settings
        self.envelope_from = mailbox(settings.sender)

    def _connect(self) -> smtplib.SMTP:
        timeout, helo = self.settings.timeout, self.settings.helo
        smtp: smtplib.SMTP
        if self.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(
                self.host, self.port, local_hostname=helo, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, local_hostname=helo, timeout=timeout)
            if self.scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
        if self.user:
            smtp.login(self.user, self.password or "")
        return smtp

    def send(self, batch: Sequence[Outgoing]) -> Generator[tuple[int, Outcome], None, None]:
        smtp: smtplib.SMTP | None = None
        try:
            for i, out in enumerate(batch):
                try:
                    message = build_message(out, self.settings.sender)
                except (ValueError, TypeError) as exc:  # e.g. an address the email package refuses
                    yield out.key, Outcome("permanent", f"{type(exc).__name__}: {exc}")
                    continue
                outcome: Outcome | None = None
                reconnected = False
                while outcome is None:
                    if smtp is None:
                        try:
                            smtp = self._connect()
                        except (OSError, smtplib.SMTPException) as exc:
                            # Nothing more can go out on this run: the rest wait for the next attempt.
                            failure = _classify(exc)
                            for rest in batch[i:]:
                                yield rest.key, failure
                            return
                    try:
                        # The envelope is the one address, never read back from the headers.
                        refused = smtp.send_message(message, self.envelope_from, [out.to_addr])
                        # One recipient per message: a refusal that did not raise is still a refusal.
                        outcome = _refused(next(iter(refused.values()))) if refused else Outcome("sent")
                    except smtplib.SMTPServerDisconnected as exc:
                        smtp = None
                        if reconnected:  # a fresh connection dropped too: the server takes no mail now
                            for rest in batch[i:]:
                                yield rest.key, Outcome("transient", f"disconnected: {exc}")
                            return
                        reconnected = True  # an idle connection the server closed: once more, afresh
                    except (OSError, smtplib.SMTPException) as exc:
                        outcome = _classify(exc)
                        if isinstance(exc, OSError):
                            smtp = None  # a timeout leaves the session in an unknown state
                yield out.key, outcome
        finally:
            if smtp is not None:
                try:
                    smtp.quit()
                except (OSError, smtplib.SMTPException):
                    smtp.close()


def _refused(reply: tuple[int, bytes]) -> Outcome:
    code, text = reply
    return Outcome("permanent" if code >= 500 else "transient", f"{code} {text.decode(errors='replace')}")


def _classify(exc: BaseException) -> Outcome:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.values())
        return _refused(replies[0]) if replies else Outcome("transient", str(exc))
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        verdict: Verdict = "permanent" if exc.smtp_code >= 500 else "transient"
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            verdict = "transient"  # a configuration problem: retried until someone fixes it, then failed
        return Outcome(verdict, f"{exc.smtp_code} {text}")
    if isinstance(exc, socket.timeout | TimeoutError):
        return Outcome("transient", "timeout")
    return Outcome("transient", f"{type(exc).__name__}: {exc}")


class EmlMailer:
    """Writes each message as ``<dir>/prompt-NNNNNN-<key>.eml`` — for a laptop without a mail server.

    A file appears whole or not at all (written aside, then renamed), so a crash never
    leaves half a message, and writing it twice gives the same file.
    """

    def __init__(self, settings: MailSettings) -> None:
        self.directory = settings.outbox_dir
        self.sender = settings.sender

    def send(self, batch: Sequence[Outgoing]) -> Generator[tuple[int, Outcome], None, None]:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            for out in batch:
                yield out.key, Outcome("transient", f"cannot create {self.directory}: {exc}")
            return
        for out in batch:
            target = self.directory / f"{_file_stem(out)}.eml"
            try:
                data = build_message(out, self.sender).as_bytes()
                _write_atomically(target, data)
                yield out.key, Outcome("sent", str(target))
            except OSError as exc:
                yield out.key, Outcome("transient", f"{type(exc).__name__}: {exc}")
            except (ValueError, TypeError) as exc:
                yield out.key, Outcome("permanent", f"{type(exc).__name__}: {exc}")


def _file_stem(out: Outgoing) -> str:
    local = out.message_id.strip("<>").split("@", 1)[0]
    return "".join(c if c.isalnum() or c in "-." else "_" for c in local)


def _write_atomically(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".eml")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def make_mailer(settings: MailSettings) -> Mailer:
    return SmtpMailer(settings) if settings.smtp_url else EmlMailer(settings)
