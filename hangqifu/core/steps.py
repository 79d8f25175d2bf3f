"""Step progress (申请 → 受理 → 审核 → 办结) for workflows that pass between parties. Each app defines its
workflows in `<app>/steps.py`, one small definition each:

    REGISTRATION = workflow("registration.RegistrationApplication",
        steps=[("提交申请", ["draft", "returned"]), ("形式预审", ["submitted"]), ...],
        done=["approved"], stopped={"rejected": "未通过"},
        next_actor={"draft": "申请人", "submitted": "市工信服务中心", ...},
        deadline=lambda obj: ("审核期限", obj.review_due_on, "受理后 10 个工作日") if ... else None)

and a page shows it with `{% load steps %}{% step_progress obj %}` (templates/includes/steps.html): the steps,
the current one, who acts next and the deadline where the policy sets one."""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from . import clock


@dataclass(frozen=True)
class Deadline:
    label: str  # 审核期限, 公示截止 …
    due: date | datetime
    basis: str = ""  # how it is counted: "受理后 10 个工作日（第九条）"


@dataclass(frozen=True)
class Workflow:
    model: str  # "app_label.ModelName"
    steps: tuple[tuple[str, tuple[str, ...]], ...]
    done: tuple[str, ...]
    stopped: dict[str, str] = field(default_factory=dict)
    next_actor: dict[str, str] = field(default_factory=dict)
    deadline: Callable | None = None
    state_field: str = "state"

    def progress(self, obj) -> "Progress":
        state = getattr(obj, self.state_field)
        current = next((i for i, (_, states) in enumerate(self.steps) if state in states), None)
        if state in self.done:
            current = len(self.steps)
        steps = []
        for index, (label, _) in enumerate(self.steps):
            if state in self.stopped:
                status = "stopped"
            elif current is None or index > current:
                status = "todo"
            elif index < current:
                status = "done"
            else:
                status = "current"
            steps.append({"label": label, "status": status})
        steps.append({"label": "办结", "status": "done" if state in self.done else
                      ("stopped" if state in self.stopped else "todo")})
        deadline = self.deadline(obj) if self.deadline and state not in self.done and state not in self.stopped \
            else None
        return Progress(steps=steps, state_label=_state_label(obj, self.state_field),
                        next_actor=self.next_actor.get(state, ""), deadline=deadline,
                        ended=self.stopped.get(state) or ("已办结" if state in self.done else ""))


@dataclass(frozen=True)
class Progress:
    steps: list[dict]
    state_label: str
    next_actor: str
    deadline: Deadline | None
    ended: str

    @property
    def overdue(self) -> bool:
        if self.deadline is None:
            return False
        due = self.deadline.due
        return (due < clock.now()) if isinstance(due, datetime) else (due < clock.today())

    @property
    def deadline_text(self) -> str:
        if self.deadline is None:
            return ""
        due = self.deadline.due
        when = f"{timezone.localtime(due):%Y-%m-%d %H:%M}" if isinstance(due, datetime) else f"{due:%Y-%m-%d}"
        return f"{self.deadline.label}：{when}" + (f"（{self.deadline.basis}）" if self.deadline.basis else "")


def _state_label(obj, state_field: str) -> str:
    display = getattr(obj, f"get_{state_field}_display", None)
    return display() if display else str(getattr(obj, state_field))


_WORKFLOWS: dict[str, Workflow] = {}


def workflow(model: str, **definition) -> Workflow:
    definition["steps"] = tuple((label, tuple(states)) for label, states in definition["steps"])
    definition["done"] = tuple(definition["done"])
    flow = Workflow(model=model, **definition)
    _WORKFLOWS[model.lower()] = flow
    return flow


def progress_of(obj) -> Progress | None:
    autodiscover_modules("steps")
    flow = _WORKFLOWS.get(obj._meta.label_lower)
    return flow.progress(obj) if flow else None
