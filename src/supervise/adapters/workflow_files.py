"""Finding and reading workflow definition files."""

from __future__ import annotations

from pathlib import Path

from supervise.domain.errors import Defect, WorkflowInvalid
from supervise.domain.registry import WorkflowRegistry
from supervise.domain.text import Text
from supervise.domain.workflow import Workflow, load_workflow

_PACKAGE = Path(__file__).resolve().parent.parent  # src/supervise, or supervise/ in site-packages
_CHECKOUT = _PACKAGE.parents[1]  # the repository, when running from a checkout


def shipped_dir(name: str, marker: str) -> Path:
    """A data folder shipped with supervise (``workflows``, ``examples``): the copy inside an installed
    wheel, or the repository's own folder in a checkout; ``marker`` is a file that must be in it."""
    candidates = (_PACKAGE / name, _CHECKOUT / name)
    for candidate in candidates:
        if (candidate / marker).is_file():
            return candidate
    raise FileNotFoundError(f"no {name}/{marker} in {candidates[0]} or {candidates[1]}")


def default_workflows_dir() -> Path:
    return shipped_dir("workflows", "problem.yaml")


def read_workflow(path: Path) -> Workflow:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkflowInvalid(
            str(path), [Defect(str(path), "", "", Text(f"无法读取：{exc}", f"cannot read: {exc}"))]
        ) from exc
    return load_workflow(text, str(path))


def load_registry(directory: Path | None = None) -> WorkflowRegistry:
    """Every ``*.yaml`` in the directory, each validated; the first invalid file stops the load."""
    directory = directory or default_workflows_dir()
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise WorkflowInvalid(
            str(directory),
            [
                Defect(
                    str(directory),
                    "",
                    "",
                    Text("目录中没有流程定义（*.yaml）", "no workflow definitions (*.yaml) in this directory"),
                )
            ],
        )
    workflows = [read_workflow(f) for f in files]
    seen: dict[str, Path] = {}
    for path, workflow in zip(files, workflows, strict=True):
        if workflow.name in seen:
            raise WorkflowInvalid(
                str(path),
                [
                    Defect(
                        str(path),
                        "",
                        "name",
                        Text(
                            f"流程名 {workflow.name} 与 {seen[workflow.name]} 重复",
                            f"workflow name {workflow.name} is also used by {seen[workflow.name]}",
                        ),
                    )
                ],
            )
        seen[workflow.name] = path
    return WorkflowRegistry(workflows)
