"""Workflow facts a report keeps asking: does a state track the deadline, is it final, what is it called."""

from __future__ import annotations

import datetime as dt

from supervise.domain.registry import WorkflowRegistry
from supervise.domain.text import Text
from supervise.domain.workflow import Workflow


class Book:
    """Workflow facts the computation keeps asking: does a state track the deadline, is it final."""

    def __init__(self, workflows: WorkflowRegistry) -> None:
        self.workflows = workflows

    def wf(self, name: str) -> Workflow:
        return self.workflows.get(name)

    def tracks(self, workflow: str, state: str) -> bool:
        return self.wf(workflow).tracks_deadline(state)

    def final(self, workflow: str, state: str) -> bool:
        return self.wf(workflow).is_final(state)

    def label(self, workflow: str, state: str) -> Text:
        return self.wf(workflow).state_label(state)

    def yellow_within(self, workflow: str) -> int:
        reminders = self.wf(workflow).reminders
        return reminders.yellow_within if reminders is not None else 5

    def settled_states(self, workflow: str) -> set[str]:
        wf = self.wf(workflow)
        return {s for s in wf.states if not wf.tracks_deadline(s)}


def is_overdue(workflow: str, state: str, deadline: dt.date | None, book: Book, today: dt.date) -> bool:
    return deadline is not None and deadline < today and book.tracks(workflow, state)
