"""Does the portal run on what requirements.txt installs? Run with a virtualenv built from requirements.txt
alone (`make smoke` does, in a fresh clone): imports every module of the project's apps — models, services,
views, admin, management commands, Celery tasks, migrations, settings modules — then runs `manage.py check`
under the local and the production settings. Test and benchmark code is left out: it may import what only
requirements-dev.txt installs. Exits 1 and names each module that fails."""
import importlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Throwaway values the production settings insist on; nothing is served or written with them.
PRODUCTION_ENV = {"DJANGO_SECRET_KEY": "check-runtime-throwaway-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
                  "DJANGO_ALLOWED_HOSTS": "hangqifu.example.gov.cn"}
TEST_ONLY = ("tests", "conftest", "test_")


def project_modules() -> list[str]:
    """Every module of the project's own apps (those of INSTALLED_APPS that live in this repository)."""
    from django.apps import apps

    modules = []
    for config in apps.get_app_configs():
        folder = Path(config.path)
        if ROOT not in folder.parents or ".venv" in folder.parts or "site-packages" in folder.parts:
            continue
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if any(part.startswith(TEST_ONLY) for part in parts):
                continue
            modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    settings_folder = ROOT / "hangqifu" / "settings"
    modules += [f"hangqifu.settings.{path.stem}" for path in sorted(settings_folder.glob("*.py"))]
    return list(dict.fromkeys(modules + ["hangqifu", "hangqifu.celery", "hangqifu.wsgi", "hangqifu.urls"]))


def import_all() -> list[str]:
    import django

    os.environ.update(PRODUCTION_ENV)  # lets hangqifu.settings.production import
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hangqifu.settings.local")
    django.setup()
    failures = []
    modules = project_modules()
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # any failure to import is what this check reports
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
    print(f"导入项目模块 {len(modules)} 个，失败 {len(failures)} 个")
    return failures


def manage_check(settings_module: str) -> list[str]:
    env = {**os.environ, **PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": settings_module}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        return [f"manage.py check ({settings_module}):\n{result.stdout}{result.stderr}"]
    return []


def dev_packages_present() -> list[str]:
    """The check means something only without the dev packages; refuse to pass in a dev virtualenv."""
    present = [name for name in ("pytest", "factory", "hypothesis") if importlib.util.find_spec(name)]
    return [f"这个虚拟环境装有开发依赖（{', '.join(present)}）：请用只装 requirements.txt 的环境运行"] if present else []


def main() -> int:
    sys.path.insert(0, str(ROOT))
    failures = dev_packages_present() or [*import_all(), *manage_check("hangqifu.settings.local"),
                                          *manage_check("hangqifu.settings.production")]
    for failure in failures:
        print(f"- {failure}")
    print("运行依赖检查：" + ("通过" if not failures else f"{len(failures)} 项失败"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
