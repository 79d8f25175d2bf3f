"""requirements.txt is exactly what the portal needs at run time: every package production code imports is
there (directly or as a dependency of one that is), and every package there is used by the portal.
`make smoke` proves the same by running a fresh clone on a virtualenv built from requirements.txt alone;
this test names the missing package within the suite, before a newcomer meets it."""
import ast
import importlib.metadata
import re
import sys
from pathlib import Path

from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
NOT_PRODUCTION = {"tests", "bench", "reliability", "scripts", "conftest.py", ".venv"}
# Packages the portal uses without a Python import of its own code.
USED_WITHOUT_IMPORT = {
    "psycopg2-binary": "the driver Django's PostgreSQL backend loads for a postgres:// DATABASE_URL",
    "gunicorn": "the WSGI server of the Dockerfile and docker-compose.yml",
    "django-storages": "S3 document storage, named in STORAGES when AWS_STORAGE_BUCKET_NAME is set",
    "redis": "the client of Django's Redis cache backend (hangqifu.core.cache) and of Celery's broker transport",
}


def _runtime_requirements() -> list[Requirement]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [Requirement(line.split("#")[0].strip()) for line in lines if line.split("#")[0].strip()]


def _closure(requirements: list[Requirement]) -> set[str]:
    """The distributions requirements.txt installs: its own and theirs, with the extras it asks for."""
    seen: set[str] = set()
    todo = [(canonicalize_name(r.name), set(r.extras)) for r in requirements]
    while todo:
        name, extras = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for spec in importlib.metadata.requires(name) or []:
            dependency = Requirement(spec)
            if dependency.marker and not any(dependency.marker.evaluate({"extra": extra}) for extra in extras | {""}):
                continue
            todo.append((canonicalize_name(dependency.name), set(dependency.extras)))
    return seen


def _production_files():
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in NOT_PRODUCTION or "tests" in parts or parts[-1].startswith("test_"):
            continue
        yield path


def _imported_roots() -> dict[str, str]:
    """Top-level module → one file that imports it (function-level imports included)."""
    roots: dict[str, str] = {}
    for path in _production_files():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                roots.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return roots


def _project_packages() -> set[str]:
    return {path.parent.name for path in ROOT.glob("*/__init__.py")}


def test_every_package_production_code_imports_is_a_runtime_requirement():
    installed = _closure(_runtime_requirements())
    providers = importlib.metadata.packages_distributions()
    missing = []
    for module, where in sorted(_imported_roots().items()):
        if module in sys.stdlib_module_names or module in _project_packages():
            continue
        distributions = {canonicalize_name(name) for name in providers.get(module, [])}
        if not distributions & installed:
            missing.append(f"{module} ({', '.join(sorted(distributions)) or 'not installed'}), imported by {where}")
    assert not missing, "requirements.txt lacks what production code imports: " + "; ".join(missing)


def _settings_strings() -> str:
    """Every dotted name the settings hand to Django or Celery (apps, middleware, backends, storages)."""
    return repr([settings.INSTALLED_APPS, settings.MIDDLEWARE, settings.STORAGES, settings.CACHES,
                 settings.AUTHENTICATION_BACKENDS, settings.REST_FRAMEWORK, settings.CELERY_BEAT_SCHEDULER])


def test_every_runtime_requirement_is_used_by_the_portal():
    imported = set(_imported_roots())
    named = set(re.findall(r"'([a-z_]+)[.':]", _settings_strings()))
    providers = importlib.metadata.packages_distributions()
    modules_of: dict[str, set[str]] = {}
    for module, distributions in providers.items():
        for name in distributions:
            modules_of.setdefault(canonicalize_name(name), set()).add(module)
    unused = [requirement.name for requirement in _runtime_requirements()
              if requirement.name not in USED_WITHOUT_IMPORT
              and not modules_of.get(canonicalize_name(requirement.name), set()) & (imported | named)]
    assert not unused, f"requirements.txt holds packages no production code uses (move them to requirements-dev.txt): {unused}"
    compose = (ROOT / "docker-compose.yml").read_text() + (ROOT / "Dockerfile").read_text()
    assert "gunicorn" in compose, USED_WITHOUT_IMPORT["gunicorn"]
    assert "storages.backends.s3" in (ROOT / "hangqifu" / "settings" / "base.py").read_text()


def test_runtime_requirements_are_pinned():
    loose = [str(r) for r in _runtime_requirements() if not str(r.specifier).startswith("==")]
    assert not loose, f"pin every runtime requirement with ==: {loose}"
