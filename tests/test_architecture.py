"""The layers of docs/architecture.md hold: no app imports a layer above it and no import loops (the
import-linter contract in .importlinter)."""
import configparser
import subprocess
import sys
from pathlib import Path

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
