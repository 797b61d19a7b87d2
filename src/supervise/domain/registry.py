"""The set of workflows a deployment uses, looked up by name."""

from __future__ import annotations

from collections.abc import Iterable

from supervise.domain.errors import NotFound
from supervise.domain.text import Text
from supervise.domain.workflow import Workflow


class WorkflowRegistry:
    def __init__(self, workflows: Iterable[Workflow]) -> None:
        self._by_name = {w.name: w for w in workflows}

    def get(self, name: str) -> Workflow:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(sorted(self._by_name))
            raise NotFound(
                Text(f"没有名为 {name} 的流程（已有：{known}）", f"no workflow named {name} (known: {known})"),
                workflow=name,
            ) from None

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name
