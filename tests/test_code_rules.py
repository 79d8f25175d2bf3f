"""House rules read from the source of the portal's apps (not tests, migrations, benchmarks or tools):

- money through one door: a ledger row is written only by the ledger service (vouchers/services/ledger.py);
- a task that leaves the database is sent only by the transactional outbox (hangqifu/core/outbox.py), so a
  broker outage or a rollback never loses or invents one;
- the SQL that differs between PostgreSQL and SQLite lives in the apps' `statements.py` modules: services never
  ask which database they run on;
- comments and docstrings explain the domain, not the history of a change;
- a module of app code stays small enough to read whole: at most 400 lines;
- a template asks who the user is through the role predicate (`acts_as`), never by comparing `user.role`;
- no undefined or unused name (pyflakes' checks, run by ruff)."""
import ast
import configparser
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_APP_CODE = {".venv", ".git", ".ci", "tests", "bench", "reliability", "scripts", "docs", "deploy", "locale",
                "static", "templates", "conftest.py", "manage.py"}
LEDGER_SERVICE = "vouchers/services/ledger.py"
MODULE_LINES_AT_MOST = 400
OUTBOX = "hangqifu/core/outbox.py"
_contract = configparser.ConfigParser()
_contract.read(ROOT / ".importlinter")
APP_FOLDERS = _contract["importlinter"]["root_packages"].split()  # every project app (tests/test_architecture.py)


def _app_files(*suffixes: str):
    for path in sorted(ROOT.rglob("*")):
        parts = path.relative_to(ROOT).parts
        if (path.suffix not in suffixes or parts[0] in NOT_APP_CODE or "tests" in parts or "migrations" in parts
                or parts[-1].startswith("test_")):
            continue
        yield path.relative_to(ROOT).as_posix(), path


def _trees():
    for name, path in _app_files(".py"):
        yield name, ast.parse(path.read_text(encoding="utf-8"), filename=name)


def _names(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _sql_text(node) -> str:
    """The literal text of a string or f-string (its placeholders left out)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return ""


def ledger_writes(name: str, tree) -> list[str]:
    """Where a module creates ledger rows: LedgerEntry(...), LedgerEntry.objects.create/bulk_create/…, or SQL
    that inserts into the ledger table."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "LedgerEntry":
                found.append(f"{name}:{node.lineno} LedgerEntry(…)")
            if (isinstance(func, ast.Attribute)
                    and func.attr in {"create", "bulk_create", "get_or_create", "update_or_create"}
                    and "LedgerEntry" in _names(func.value)):
                found.append(f"{name}:{node.lineno} LedgerEntry.objects.{func.attr}")
        text = _sql_text(node).lower()
        if "insert into" in text and ("ledgerentry" in text or "LedgerEntry" in _names(node)):
            found.append(f"{name}:{node.lineno} INSERT INTO the ledger")
    return found


def task_sends(name: str, tree) -> list[str]:
    return [f"{name}:{node.lineno} .{node.func.attr}(…)" for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"delay", "apply_async", "send_task"}]


def vendor_checks(name: str, tree) -> list[str]:
    return [f"{name}:{node.lineno} .vendor" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "vendor"]


def test_ledger_rows_are_written_only_by_the_ledger_service():
    outside = [hit for name, tree in _trees() if name != LEDGER_SERVICE for hit in ledger_writes(name, tree)]
    inside = ledger_writes(LEDGER_SERVICE, ast.parse((ROOT / LEDGER_SERVICE).read_text(encoding="utf-8")))

    assert outside == []
    assert len(inside) >= 3  # ledger_record, and the two set-based INSERT … SELECT (the rule reads real writes)


def test_tasks_are_sent_only_through_the_outbox():
    outside = [hit for name, tree in _trees() if name != OUTBOX for hit in task_sends(name, tree)]

    assert outside == []
    assert task_sends(OUTBOX, ast.parse((ROOT / OUTBOX).read_text(encoding="utf-8")))


def test_only_statement_modules_ask_which_database_they_run_on():
    outside = [hit for name, tree in _trees() if not name.endswith("/statements.py")
               for hit in vendor_checks(name, tree)]

    assert outside == []


def test_the_rules_see_a_write_a_send_and_a_vendor_check_they_forbid():
    tree = ast.parse('def f(c):\n    LedgerEntry.objects.bulk_create([])\n    LedgerEntry(kind="x")\n'
                     '    c.execute(f"INSERT INTO {LedgerEntry._meta.db_table} SELECT 1")\n'
                     '    tasks.void_year.delay(2026)\n    if connection.vendor == "sqlite":\n        pass\n')

    assert len(ledger_writes("x.py", tree)) == 3
    assert task_sends("x.py", tree) == ["x.py:5 .delay(…)"]
    assert vendor_checks("x.py", tree) == ["x.py:6 .vendor"]


def long_modules(files, at_most: int = MODULE_LINES_AT_MOST) -> list[str]:
    return [f"{name}: {lines} lines" for name, path in files
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > at_most]


def test_no_module_of_app_code_over_400_lines():
    assert long_modules(_app_files(".py")) == []


def test_the_length_rule_sees_a_long_module():
    models = [(name, path) for name, path in _app_files(".py") if name == "supervision/models.py"]

    assert [hit.split(":")[0] for hit in long_modules(models, at_most=100)] == ["supervision/models.py"]


RAW_ROLE = re.compile(r"\.role\s*(?:==|!=|\bin\b|\bnot in\b)|(?:==|!=)\s*user\.role\b|\.is_staff_role\b")


def raw_role_checks(name: str, text: str) -> list[str]:
    return [f"{name}:{number}" for number, line in enumerate(text.splitlines(), 1) if RAW_ROLE.search(line)]


def test_templates_ask_the_role_predicate():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        found += raw_role_checks(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))

    assert found == []


def test_the_template_rule_sees_a_raw_role_check():
    assert raw_role_checks("t.html", '{% if user.role == "bureau" %}\n{% if user|acts_as:"bureau" %}\n'
                                     '{% if user.role in "enterprise park" %}\n{% if "park" == user.role %}\n'
                                     '{% if user.is_staff_role %}') == ["t.html:1", "t.html:3", "t.html:4", "t.html:5"]


# A comment that dates the code instead of explaining it: an issue, review or pull-request reference.
HISTORY = re.compile(r"\bissue ?#?[0-9]+|\breview finding|\bfinding [0-9]+|\bsee #[0-9]+|\(#[0-9]+\)|"
                     r"\b(?:PR|pull request) ?#?[0-9]+", re.IGNORECASE)


def _python_comments(path: Path):
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                yield getattr(node, "lineno", 1), docstring


def _template_comments(path: Path):
    text = path.read_text(encoding="utf-8")
    for match in re.finditer(r"{#.*?#}|{% comment %}.*?{% endcomment %}|<!--.*?-->|/\*.*?\*/|(?<![:\"'])//[^\n]*",
                             text, re.DOTALL):
        yield text.count("\n", 0, match.start()) + 1, match.group(0)


def history_comments(lines) -> list[str]:
    return [f"{line}: {text.strip()[:80]}" for line, text in lines if HISTORY.search(text)]


def test_comments_explain_the_domain_not_the_history_of_a_change():
    found = []
    for name, path in _app_files(".py"):
        found += [f"{name}:{hit}" for hit in history_comments(_python_comments(path))]
    for folder in ("templates", "static/js"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in {".html", ".js", ".txt"} and "vendor" not in path.parts and ".min." not in path.name:
                name = path.relative_to(ROOT).as_posix()
                found += [f"{name}:{hit}" for hit in history_comments(_template_comments(path))]

    assert found == []


def test_the_comment_rule_tells_history_from_domain():
    assert len(history_comments([(1, "# issue 6: the gate"), (2, "# review finding 3"), (3, "# see #12"),
                                 (4, '"""The fund charge (#12)."""'), (5, "<!-- Issue #7 -->")])) == 5
    assert history_comments([(1, "# 第十二条 cap, by service year"), (2, "// colour: #123abc"),
                             (3, "# the issue date of the notice"), (4, "{# 兑付申请 #}"),
                             (5, "`qualification #3` → 服务券资格 #3")]) == []


def test_no_undefined_or_unused_names():
    """Pyflakes' checks (ruff.toml: undefined names, unused imports, shadowed names) over the apps and the tests:
    code that moves between apps must not leave a name behind — an undefined name is a 500 the day that line
    runs. The second run shows the check sees such a name."""
    ruff = [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise"]
    found = subprocess.run([*ruff, *APP_FOLDERS, "tests", "conftest.py"], cwd=ROOT, capture_output=True,
                           text=True)
    assert found.returncode == 0, found.stdout + found.stderr

    broken = subprocess.run([*ruff, "--stdin-filename", "supervision/broken.py", "-"], cwd=ROOT, text=True,
                            input="def f():\n    return labels.action_label('x')\n", capture_output=True)
    assert broken.returncode == 1 and "F821" in broken.stdout
