"""The one place that wires settings, the database engine, the workflows and the clock together."""

from __future__ import annotations

from supervise.adapters.db import make_engine
from supervise.adapters.workflow_files import load_registry
from supervise.services.context import Clock, Context, utc_now
from supervise.settings import Settings


def build_context(settings: Settings, clock: Clock = utc_now) -> Context:
    return Context(make_engine(settings.database_url), load_registry(settings.workflows_dir), clock)
