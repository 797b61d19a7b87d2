"""Errors the domain and services raise; each carries bilingual text and structured details."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from supervise.domain.text import Lang, Text, join


class SuperviseError(Exception):
    """Base of every error supervise reports to a user. ``code`` is stable for scripts."""

    code = "error"

    def __init__(self, text: Text, **details: Any) -> None:
        super().__init__(text.render())
        self.text = text
        self.details = details

    def render(self, lang: Lang = "both") -> str:
        if lang == "both" and self.text.zh != self.text.en:
            return f"{self.text.zh}\n{self.text.en}"
        return self.text.render(lang)

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message_zh": self.text.zh, "message_en": self.text.en, **self.details}


@dataclass(frozen=True)
class Defect:
    """One thing wrong with an input: where it is and what was expected."""

    source: str
    location: str  # "line 12", "row 7", or "" when the whole file is at fault
    field: str
    problem: Text

    def render(self, lang: Lang = "both") -> str:
        where = ":".join(p for p in (self.source, self.location) if p)
        subject = f" {self.field}:" if self.field else ""
        return f"{where}:{subject} {self.problem.render(lang)}"

    def as_dict(self) -> dict[str, str]:
        return {
            "source": self.source,
            "location": self.location,
            "field": self.field,
            "problem_zh": self.problem.zh,
            "problem_en": self.problem.en,
        }


class InputRejected(SuperviseError):
    """A file was rejected whole; ``defects`` lists every problem found in it."""

    code = "input_rejected"

    def __init__(self, source: str, defects: list[Defect]) -> None:
        self.defects = defects
        super().__init__(self.summary(source, len(defects)), source=source, defects=[d.as_dict() for d in defects])

    @staticmethod
    def summary(source: str, count: int) -> Text:
        return Text(
            f"{source} 有 {count} 处错误，未导入任何内容", f"{source} has {count} defect(s); nothing was imported"
        )

    def render(self, lang: Lang = "both") -> str:
        lines = [self.text.render(lang)] + ["  " + d.render(lang) for d in self.defects]
        return "\n".join(lines)


class WorkflowInvalid(InputRejected):
    code = "workflow_invalid"

    @staticmethod
    def summary(source: str, count: int) -> Text:
        return Text(f"流程定义 {source} 有 {count} 处错误", f"workflow definition {source} has {count} defect(s)")


@dataclass(frozen=True)
class Missing:
    """One reason a transition was refused: a stable code and bilingual text."""

    code: str
    text: Text
    data: dict[str, Any] = field(default_factory=dict)


class TransitionRefused(SuperviseError):
    """A trigger cannot fire: names the item, its state, the trigger and everything missing."""

    code = "transition_refused"

    def __init__(self, ref: str, state: Text, state_name: str, trigger: str, missing: list[Missing]) -> None:
        self.missing = missing
        reasons = join([m.text for m in missing])
        text = Text(
            f"{ref} 处于「{state.zh}」({state_name})，不能执行 {trigger}：{reasons.zh}",
            f"{ref} is {state.en} ({state_name}); cannot {trigger}: {reasons.en}",
        )
        super().__init__(
            text,
            ref=ref,
            state=state_name,
            trigger=trigger,
            missing=[{"code": m.code, "zh": m.text.zh, "en": m.text.en, **m.data} for m in missing],
        )


class ActionRefused(SuperviseError):
    """An office action (planning a visit, answering a self-check, …) cannot be done: everything missing is named."""

    code = "action_refused"

    def __init__(self, subject: str, action: str, missing: list[Missing]) -> None:
        self.missing = missing
        reasons = join([m.text for m in missing])
        super().__init__(
            Text(f"{subject}：不能执行 {action}：{reasons.zh}", f"{subject}: cannot {action}: {reasons.en}"),
            subject=subject,
            action=action,
            missing=[{"code": m.code, "zh": m.text.zh, "en": m.text.en, **m.data} for m in missing],
        )


class BulkRefused(SuperviseError):
    """A bulk transition refused whole: every item that could not move is listed."""

    code = "bulk_refused"

    def __init__(self, trigger: str, refusals: list[SuperviseError]) -> None:
        self.refusals = refusals
        text = Text(
            f"批量执行 {trigger}：{len(refusals)} 项不能执行，全部未变更",
            f"bulk {trigger}: {len(refusals)} item(s) refused; nothing changed",
        )
        super().__init__(text, trigger=trigger, refused=[r.as_dict() for r in refusals])

    def render(self, lang: Lang = "both") -> str:
        return "\n".join([self.text.render(lang)] + ["  " + r.render(lang) for r in self.refusals])


class Conflict(SuperviseError):
    """Someone else changed the item between our read and our write; nothing was changed."""

    code = "conflict"

    def __init__(self, ref: str, expected_version: int) -> None:
        super().__init__(
            Text(
                f"{ref} 已被他人同时修改（版本 {expected_version} 已过期），本次操作未生效，请重试",
                f"{ref} was changed concurrently (version {expected_version} is stale); nothing was changed, try again",
            ),
            ref=ref,
            expected_version=expected_version,
        )


class NotFound(SuperviseError):
    code = "not_found"

    def __init__(self, what: Text, **details: Any) -> None:
        super().__init__(what, **details)


class Ambiguous(SuperviseError):
    code = "ambiguous"

    def __init__(self, what: Text, **details: Any) -> None:
        super().__init__(what, **details)
