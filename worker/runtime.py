"""What the tasks of one worker process use: settings, the database context and the mailer, built on first use.

Nothing is built at import time. A prefork worker forks after the parent may already
have opened database connections: ``after_fork`` drops the inherited pool without
closing the parent's sockets (``engine.dispose(close=False)``), so that each child
opens its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from supervise.adapters.mail import Mailer, make_mailer
from supervise.bootstrap import build_context
from supervise.services.context import Context
from supervise.services.delivery import DeliveryOptions, options_from
from supervise.settings import Settings, load_settings


class Runtime:
    def __init__(
        self,
        settings: Callable[[], Settings] = load_settings,
        context: Context | None = None,
        mailer: Mailer | None = None,
    ) -> None:
        self._load_settings = settings
        self._settings: Settings | None = None
        self._context = context
        self._mailer = mailer
        self._lock = threading.Lock()

    @property
    def settings(self) -> Settings:
        with self._lock:
            if self._settings is None:
                self._settings = self._load_settings()
            return self._settings

    def context(self) -> Context:
        if self._context is None:
            settings = self.settings
            with self._lock:
                if self._context is None:
                    self._context = build_context(settings)
        return self._context

    def mailer(self) -> Mailer:
        if self._mailer is None:
            self._mailer = make_mailer(self.settings.mail)
        return self._mailer

    def delivery_options(self) -> DeliveryOptions:
        return options_from(self.settings)

    def after_fork(self) -> None:
        if self._context is not None:
            self._context.engine.dispose(close=False)
