"""Settings, built from the environment when an entrypoint starts (never at import time)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from platformdirs import user_data_dir

from supervise.domain.errors import SuperviseError
from supervise.domain.text import Lang, Text

EMBEDDED_BROKER = "memory://localhost/"  # a host name keeps kombu from warning that none was given


@dataclass(frozen=True)
class MailSettings:
    """Where email goes: an SMTP server, or ``.eml`` files in a directory when no server is configured."""

    smtp_url: str | None  # smtp://[user[:password]@]host[:port], smtps://… (TLS) or smtp+starttls://…
    sender: str
    outbox_dir: Path
    timeout: float = 30.0
    helo: str = "supervise.localdomain"  # passed as local_hostname: skips a slow reverse lookup
    max_attempts: int = 8  # transient failures retried this often, then recorded as failed
    backoff_base: float = 30.0  # seconds; doubled per attempt …
    backoff_max: float = 600.0  # … and capped, far below the broker's visibility timeout

    def __repr__(self) -> str:  # the SMTP URL may carry a password: never print it
        return f"MailSettings(smtp={self.safe_smtp_url!r}, sender={self.sender!r}, outbox_dir={str(self.outbox_dir)!r})"

    @property
    def safe_smtp_url(self) -> str | None:
        return None if self.smtp_url is None else masked(self.smtp_url)


@dataclass(frozen=True)
class WorkerSettings:
    broker_url: str  # "memory://" runs the embedded in-process broker
    timezone: str  # the deployment's zone, for the beat schedule
    scan_every: float = 300.0  # seconds between scans
    deliver_every: float = 60.0  # seconds between sweeps of the outbox for retries that fell due
    visibility_timeout: int = 3600  # seconds; every retry countdown stays far below this
    remind_at: dt.time = dt.time(8, 30)  # local time at which a day's reminders fall due

    @property
    def embedded(self) -> bool:
        return self.broker_url.startswith("memory://")

    def __repr__(self) -> str:
        shown = masked(self.broker_url)
        return f"WorkerSettings(broker={shown!r}, timezone={self.timezone!r}, scan_every={self.scan_every})"


@dataclass(frozen=True)
class Settings:
    database_url: str
    workflows_dir: Path | None
    lang: Lang
    mail: MailSettings = field(default_factory=lambda: default_mail_settings({}))
    worker: WorkerSettings = field(default_factory=lambda: WorkerSettings(EMBEDDED_BROKER, "Asia/Shanghai"))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def __repr__(self) -> str:
        return (
            f"Settings(database={masked(self.database_url)!r}, workflows_dir={self.workflows_dir!r}, "
            f"lang={self.lang!r}, mail={self.mail!r}, worker={self.worker!r})"
        )


def masked(url: str) -> str:
    """The URL with its password replaced by ``***``; never raises, whatever the string.

    A URL that cannot be read plainly (a port that is no number, a password with an
    unescaped ``/``, ``#`` or ``@``) is shown with everything before its last ``@`` hidden:
    which part is the password is then anybody's guess, so none of it is shown.
    """
    if _url_problem(url) is not None:
        scheme, sep, rest = url.partition("://")
        return f"{scheme}{sep}***@{rest.rpartition('@')[2]}" if "@" in rest else url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _url_problem(url: str) -> Text | None:
    """What makes a URL ambiguous to read, in words that quote none of it (it may hold a password)."""
    parts = urlsplit(url)
    if "@" in parts.netloc.rpartition("@")[0] or "@" in url[len(parts.scheme) + 3 + len(parts.netloc) :]:
        return Text(
            "用户名或密码中的 @ / # ? 等字符须按 URL 规则转义（%40 %2F %23 %3F）",
            "a user name or password holding @ / # or ? must be percent-encoded (%40 %2F %23 %3F)",
        )
    try:
        parts.port  # noqa: B018 - reading it validates it
    except ValueError:
        return Text(
            "端口不是数字（或密码中有未转义的字符）",
            "the port is not a number (or the password has unescaped characters)",
        )
    return None


def _url(env: Mapping[str, str], key: str, default: str, schemes: tuple[str, ...] | None = None) -> str:
    """The URL setting ``key``, refused (without quoting it) if it cannot be read plainly or has the wrong scheme."""
    url = env.get(key) or default
    if not url:
        return url  # not set, and nothing by default (no SMTP server: .eml files)
    problem = _url_problem(url)
    scheme = url.partition("://")[0]
    if problem is None and schemes is not None and scheme not in schemes:
        problem = Text(
            f"未知的协议 {scheme}（可用：{'、'.join(schemes)}）", f"unknown scheme {scheme} ({', '.join(schemes)})"
        )
    if problem is not None:
        raise SettingsInvalid(Text(f"{key}：{problem.zh}", f"{key}: {problem.en}"), setting=key)
    return url


class SettingsInvalid(SuperviseError):
    code = "settings_invalid"


def data_dir() -> Path:
    return Path(user_data_dir("supervise", appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'supervise.db'}"


def _number(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise SettingsInvalid(Text(f"{key} 应为正数，而不是 {raw!r}", f"{key} must be a positive number, not {raw!r}"))
    return value


def default_mail_settings(env: Mapping[str, str]) -> MailSettings:
    outbox = env.get("SUPERVISE_OUTBOX_DIR")
    return MailSettings(
        smtp_url=_url(env, "SUPERVISE_SMTP_URL", "", ("smtp", "smtps", "smtp+starttls")) or None,
        sender=env.get("SUPERVISE_MAIL_FROM") or "supervise@localhost",
        outbox_dir=Path(outbox) if outbox else data_dir() / "outbox",
        timeout=_number(env, "SUPERVISE_SMTP_TIMEOUT", 30.0),
        helo=env.get("SUPERVISE_SMTP_HELO") or "supervise.localdomain",
        max_attempts=int(_number(env, "SUPERVISE_SMTP_MAX_ATTEMPTS", 8)),
    )


def _timezone(env: Mapping[str, str]) -> str:
    zone = env.get("SUPERVISE_TIMEZONE") or "Asia/Shanghai"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsInvalid(
            Text(f"SUPERVISE_TIMEZONE：未知时区 {zone!r}", f"SUPERVISE_TIMEZONE: unknown time zone {zone!r}")
        ) from None
    return zone


def _time_of_day(env: Mapping[str, str], key: str, default: dt.time) -> dt.time:
    raw = env.get(key)
    if not raw:
        return default
    try:
        return dt.time.fromisoformat(raw)
    except ValueError:
        raise SettingsInvalid(Text(f"{key} 应为 HH:MM，而不是 {raw!r}", f"{key} must be HH:MM, not {raw!r}")) from None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    lang = env.get("SUPERVISE_LANG", "both")
    if lang not in ("zh", "en", "both"):
        lang = "both"
    workflows = env.get("SUPERVISE_WORKFLOWS_DIR")
    return Settings(
        database_url=_url(env, "SUPERVISE_DATABASE_URL", default_database_url()),
        workflows_dir=Path(workflows) if workflows else None,
        lang=cast(Lang, lang),
        mail=default_mail_settings(env),
        worker=WorkerSettings(
            broker_url=_url(env, "SUPERVISE_BROKER_URL", EMBEDDED_BROKER),
            timezone=_timezone(env),
            scan_every=_number(env, "SUPERVISE_SCAN_EVERY", 300.0),
            deliver_every=_number(env, "SUPERVISE_DELIVER_EVERY", 60.0),
            remind_at=_time_of_day(env, "SUPERVISE_REMIND_AT", dt.time(8, 30)),
        ),
    )
