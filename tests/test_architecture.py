"""The layers of docs/architecture.md hold: no app imports a layer above it and no import loops (the
import-linter contracts in .importlinter), no import loop between the modules of one app, and no project import
hides inside a function without a reason."""
import ast
import configparser
import graphlib
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CONFIG = ROOT / ".importlinter"


def _root_packages() -> list[str]:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    return parser["importlinter"]["root_packages"].split()


def _in_project(path: str) -> bool:
    path = Path(path).resolve()
    return path.is_relative_to(ROOT) and "site-packages" not in path.parts \
        and not path.relative_to(ROOT).parts[0].startswith(".")


def project_packages() -> list[str]:
    """The top-level packages of the project's installed apps (hangqifu.* count as hangqifu)."""
    return sorted({config.name.split(".")[0] for config in apps.get_app_configs() if _in_project(config.path)})


def test_every_project_app_is_under_the_import_contract():
    missing = set(project_packages()) - set(_root_packages())
    assert not missing, f"add {sorted(missing)} to root_packages and to a layer in .importlinter"


def test_the_import_contract_holds():
    """`lint-imports` fails on an import from a higher layer (e.g. vouchers importing supervision) or a loop
    between siblings of one layer."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(CONFIG), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


# --- import loops inside an app ------------------------------------------------------------------------------

def _app_of(module: str) -> str:
    """The app a module belongs to: hangqifu's sub-apps (hangqifu.core, hangqifu.audit …) are apps of their own."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "hangqifu" and len(parts) > 1 else parts[0]


def test_no_import_loop_between_the_modules_of_an_app():
    """The contracts see loops between apps; inside one, a service and the task that runs it, or a selector and a
    service, importing each other are a loop too: the piece both need belongs where both can import it."""
    graph = grimp.build_graph(*_root_packages(), cache_dir=None)
    modules = {module for module in graph.modules if not {"tests", "migrations"} & set(module.split("."))}
    sorter = graphlib.TopologicalSorter()
    for module in modules:
        sorter.add(module, *(imported for imported in graph.find_modules_directly_imported_by(module)
                             if imported in modules and _app_of(imported) == _app_of(module)))
    try:
        sorter.prepare()
    except graphlib.CycleError as loop:
        # the cycle lists each module before the one that imports it; reversed, an arrow reads "imports"
        pytest.fail("import loop inside an app: " + " -> ".join(reversed(loop.args[1])))


# --- function-level imports ---------------------------------------------------------------------------------

REASON = "import here"  # `# import here: <why>` on the import's line or the line above


def _is_project_import(node, packages) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] in packages
    return any(alias.name.split(".")[0] in packages for alias in node.names)


def app_files(packages):
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or "tests" in parts:
                continue
            yield path


def function_level_imports(path: Path, packages) -> list[tuple[int, str, bool]]:
    """(line, statement, explained) for every project import inside a function of `path`."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom) and _is_project_import(node, packages):
                here, above = lines[node.lineno - 1], lines[node.lineno - 2] if node.lineno > 1 else ""
                explained = REASON in here or above.strip().startswith("#") and REASON in above
                found.append((node.lineno, here.strip(), explained))
    return sorted(set(found))


def test_no_unexplained_function_level_import():
    """An import inside a function only dodges an import loop, and loops are what the layers forbid. The few
    that must stay (app loading in AppConfig.ready, a module that needs the app registry) say why."""
    packages = project_packages()
    unexplained = [f"{path.relative_to(ROOT)}:{line}: {statement}"
                   for path in app_files(packages)
                   for line, statement, explained in function_level_imports(path, packages) if not explained]
    assert not unexplained, ("move these imports to the top of the module, or say on the line above why they "
                             "must run late (# import here: <reason>):\n" + "\n".join(unexplained))
