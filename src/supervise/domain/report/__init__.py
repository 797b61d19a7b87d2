"""Reports on a round: the figures (``build``), the ledger's past (``history``) and the public notice (``notice``)."""

from supervise.domain.report.build import LightRule, Options, build_report, calendar_day_light
from supervise.domain.report.facts import Activity, EventFact, Ledger, MeasureFact, ProblemFact, RoundFact
from supervise.domain.report.model import SCHEMA, SIGNAL_LABELS, SIGNALS, Report

__all__ = [
    "SCHEMA",
    "SIGNALS",
    "SIGNAL_LABELS",
    "Activity",
    "EventFact",
    "Ledger",
    "LightRule",
    "MeasureFact",
    "Options",
    "ProblemFact",
    "Report",
    "RoundFact",
    "build_report",
    "calendar_day_light",
]
