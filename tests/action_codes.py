"""Every audit action code the code base can record, read from its source (literal `action="a.b"` arguments,
defaults and entries, and the f-string actions of audit_record and transition `fire` calls expanded over what
their callers pass)."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_DIRS = ("hangqifu", "sanctions", "registration", "vouchers", "providers", "redemption", "supervision")
CODE = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")
# The calls that write an audit event with their `action`: the audit trail itself and the transition helper.
RECORDING_CALLS = ("audit_record", "fire")


def _sources():
    for app in APP_DIRS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _strings(node) -> list[str]:
    """The values an expression can take: constants, either arm of `a if c else b`, and `"x_" + (…)`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a in _strings(node.left) for b in _strings(node.right)]
    return []


def _argument_values(tree, function: ast.FunctionDef, name: str) -> list[str]:
    """The string constants the module passes for parameter `name` of `function` (by keyword or position)."""
    params = [a.arg for a in function.args.args]
    index = params.index(name) if name in params else None
    values = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or getattr(node.func, "id", None) != function.name:
            continue
        for keyword in node.keywords:
            if keyword.arg == name:
                values += _strings(keyword.value)
        if index is not None and index < len(node.args):
            values += _strings(node.args[index])
    return values


def _enclosing_functions(tree):
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef):
            for node in ast.walk(function):
                yield function, node


def _expand(tree, function, template: ast.JoinedStr) -> list[str]:
    """`f"qualification.{transition_name}"` inside `_change_state` → one code per value its callers pass."""
    parts = [[]]
    for piece in template.values:
        if isinstance(piece, ast.Constant):
            options = [piece.value]
        else:
            options = _argument_values(tree, function, piece.value.id)
            if not options:
                raise AssertionError(f"cannot tell the values of {ast.unparse(template)} in {function.name}")
        parts = [p + [o] for p in parts for o in options]
    return ["".join(p) for p in parts]


def recorded_action_codes() -> dict[str, str]:
    """{code: where it is written} for every literal `action="a.b"` keyword or `"action": "a.b"` entry, and every
    f-string action of an audit_record or `fire` call expanded over the values its function's callers pass."""
    found = {}
    for path, tree in _sources():
        where = str(path.relative_to(ROOT))
        for function, node in _enclosing_functions(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in RECORDING_CALLS:
                for keyword in node.keywords:
                    if keyword.arg == "action" and isinstance(keyword.value, ast.JoinedStr):
                        for code in _expand(tree, function, keyword.value):
                            found.setdefault(code, where)
        for node in ast.walk(tree):
            values = []
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                arguments = node.args
                named = list(zip(arguments.args[::-1], arguments.defaults[::-1]))
                named += [(a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None]
                values = [s for argument, default in named if argument.arg == "action" for s in _strings(default)]
            elif isinstance(node, ast.keyword) and node.arg == "action":
                values = _strings(node.value)
            elif isinstance(node, ast.Dict):
                values = [s for k, v in zip(node.keys, node.values)
                          if isinstance(k, ast.Constant) and k.value == "action" for s in _strings(v)]
            for code in values:
                if CODE.match(code):
                    found.setdefault(code, where)
    return found


