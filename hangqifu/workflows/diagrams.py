"""The workflow diagrams in docs/workflows/, generated from the transitions themselves (their sources, targets,
permissions and conditions) as Mermaid state diagrams, which GitHub renders and which need nothing installed.
`make workflows` rewrites them; tests/test_workflow_diagrams.py fails when a committed diagram differs from
what this module generates now, so a diagram cannot go stale."""
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django_fsm import FSMFieldMixin

from .conditions import actor_conditions

DIAGRAM_DIR = Path(settings.BASE_DIR) / "docs" / "workflows"
INDEX = DIAGRAM_DIR / "README.md"
INDEX_START, INDEX_END = "<!-- workflows:start -->", "<!-- workflows:end -->"
# django-fsm's wildcard sources: any state, any state but the target.
WILDCARDS = {"*": "任一状态", "+": "除目标外任一状态"}


def workflows() -> list[tuple[type, FSMFieldMixin]]:
    """(model, state field) of every workflow, in a stable order."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, FSMFieldMixin) and field.get_all_transitions(model):
                found.append((model, field))
    return sorted(found, key=lambda pair: (pair[0]._meta.app_label, pair[0]._meta.model_name, pair[1].name))


def file_name(model, field) -> str:
    suffix = "" if field.name == "state" else f"-{field.name}"
    return f"{model._meta.app_label}-{model._meta.model_name}{suffix}.md"


def _who(permission) -> str:
    if permission is None:
        return "系统"
    name = getattr(permission, "__name__", str(permission))
    return "系统" if name == "nobody" else name


def _conditions(transition) -> list[str]:
    """The names of the transition's conditions, those of the object and then those relating the actor to it."""
    return [getattr(c, "__name__", "?") for c in (*transition.conditions, *actor_conditions(transition))]


def _label(transition) -> str:
    label = transition.custom.get("label", "")
    text = f"{transition.name}（{label}）" if label else transition.name
    text += f" · {_who(transition.permission)}"
    if _conditions(transition):
        text += " · 条件 " + "、".join(_conditions(transition))
    return text.replace(":", "：").replace(";", "；")


def diagram(model, field) -> str:
    """One workflow as a Markdown page with its Mermaid state diagram."""
    labels = dict(field.choices or [])
    transitions = sorted(field.get_all_transitions(model), key=lambda t: (str(t.source), t.name, str(t.target)))
    states = list(labels)
    lines = ["stateDiagram-v2", "    direction LR"]
    for state in states:
        lines.append(f'    state "{labels[state]}<br/>{state}" as {state}')
    if field.default in labels:
        lines.append(f"    [*] --> {field.default}")
    leaving = set()
    for transition in transitions:
        source = transition.source
        if source in WILDCARDS:
            sources = [s for s in states if source == "*" or s != transition.target]
        else:
            sources = [source]
        for state in sources:
            leaving.add(state)
            lines.append(f"    {state} --> {transition.target} : {_label(transition)}")
    for state in states:
        if state not in leaving:
            lines.append(f"    {state} --> [*]")
    title = f"{model._meta.verbose_name}（{model._meta.label}.{field.name}）"
    rows = [f"| `{first.name}` | {first.custom.get('label', '')} | "
            f"{'、'.join(WILDCARDS.get(t.source) or labels.get(t.source, t.source) for t in group)} | "
            f"{labels.get(first.target, first.target)} | {_who(first.permission)} | "
            f"{'、'.join(_conditions(first)) or '—'} |"
            for first, group in _merged(transitions)]
    return "\n".join([
        f"# {title}",
        "",
        "由 `make workflows` 根据状态机定义生成，请勿手工修改。",
        "",
        "```mermaid",
        *lines,
        "```",
        "",
        "| 转换 | 名称 | 起始状态 | 目标状态 | 办理人 | 条件 |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
    ])


def _merged(transitions) -> list[tuple]:
    """One row per transition name, target, permission and conditions: (its first declaration, all of them)."""
    rows = {}
    for transition in transitions:
        key = (transition.name, transition.target, _who(transition.permission), tuple(_conditions(transition)))
        rows.setdefault(key, []).append(transition)
    return [(group[0], group) for group in rows.values()]


def index_block() -> str:
    lines = [INDEX_START, "", "| 流程 | 状态机 | 状态数 | 转换数 |", "|---|---|---|---|"]
    for model, field in workflows():
        names = {t.name for t in field.get_all_transitions(model)}
        lines.append(f"| [{model._meta.verbose_name}]({file_name(model, field)}) | `{model._meta.label}.{field.name}` "
                     f"| {len(field.choices or [])} | {len(names)} |")
    return "\n".join([*lines, "", INDEX_END])


def expected_files() -> dict[Path, str]:
    """Every generated file with the content it should have now (the index block spliced into README.md)."""
    files = {DIAGRAM_DIR / file_name(model, field): diagram(model, field) for model, field in workflows()}
    text = INDEX.read_text(encoding="utf-8") if INDEX.exists() else f"# 业务流程图\n\n{INDEX_START}\n{INDEX_END}\n"
    head, _, rest = text.partition(INDEX_START)
    _, _, tail = rest.partition(INDEX_END)
    files[INDEX] = head + index_block() + tail
    return files


def stale_files() -> list[Path]:
    """Generated diagrams missing or different on disk, and diagram files no workflow generates any more."""
    expected = expected_files()
    stale = [path for path, text in expected.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    orphans = [path for path in DIAGRAM_DIR.glob("*.md") if path not in expected]
    return sorted(stale + orphans)


def write() -> list[Path]:
    """Write every diagram (and the index), remove diagrams of workflows that no longer exist; returns what changed."""
    DIAGRAM_DIR.mkdir(parents=True, exist_ok=True)
    changed = []
    expected = expected_files()
    for path, text in expected.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    for path in DIAGRAM_DIR.glob("*.md"):
        if path not in expected:
            path.unlink()
            changed.append(path)
    return changed
