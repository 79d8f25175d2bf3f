"""docker-compose.yml points at code that exists; production settings pass `check --deploy`."""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings as django_settings
from django.urls import resolve

ROOT = Path(__file__).resolve().parent.parent


def _module_exists(dotted: str) -> bool:
    return importlib.util.find_spec(dotted) is not None


def _option(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def test_every_compose_service_runs_existing_code():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    for name in ("web", "worker", "beat"):
        settings_module = services[name]["environment"]["DJANGO_SETTINGS_MODULE"]
        assert _module_exists(settings_module), settings_module
    web = " ".join(services["web"]["command"])
    assert "hangqifu.wsgi:application" in web and hasattr(importlib.import_module("hangqifu.wsgi"), "application")
    assert "manage.py migrate" in web
    healthcheck = " ".join(services["web"]["healthcheck"]["test"])
    assert resolve(re.search(r"127\.0\.0\.1:8000(/\S*?)'", healthcheck).group(1)).url_name == "healthz"
    from hangqifu.celery import app

    for name in ("worker", "beat"):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "hangqifu"] and importlib.import_module("hangqifu").celery_app is app
    # the worker consumes the queue every task is sent to
    worker = services["worker"]["command"]
    assert _option(worker, "-Q") == django_settings.CELERY_TASK_DEFAULT_QUEUE == app.conf.task_default_queue
    assert not getattr(django_settings, "CELERY_TASK_ROUTES", None), "routed queues need workers in docker-compose.yml"
    beat = services["beat"]["command"]
    scheduler = _option(beat, "--scheduler")
    assert scheduler == django_settings.CELERY_BEAT_SCHEDULER
    module, _, attr = scheduler.partition(":")
    assert hasattr(importlib.import_module(module), attr)
    assert {"pgdata", "media"} <= set(compose["volumes"])


def test_only_the_tls_proxy_reaches_the_portal():
    """X-Forwarded-For / -Proto are trusted from one proxy: web publishes no port, the proxy overwrites the
    scheme header and appends the client address, and the portal counts exactly that one proxy."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert "ports" not in services["web"] and "ports" in services["proxy"]
    assert compose["x-app"]["environment"]["HANGQIFU_TRUSTED_PROXY_COUNT"] == "1"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-Proto https;" in nginx
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx


def test_dockerfile_builds_the_runtime_image():
    """Docker cannot run here: read the Dockerfile. It installs exactly requirements.txt, WeasyPrint's system
    libraries (the runtime list of scripts/system-deps.sh) and keeps the vendored CJK font in the image."""
    dockerfile = "\n".join(line for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.startswith("#"))
    installs = re.findall(r"pip install[^\n]*", dockerfile)
    assert installs == ["pip install --no-cache-dir -r requirements.txt"], installs
    assert "requirements-dev" not in dockerfile
    apt = set(re.search(r"apt-get install[^\n]*\\\n[^\n]*", dockerfile).group(0).split())
    runtime_system = re.search(r"^want=\(([^)]*)\)", (ROOT / "scripts" / "system-deps.sh").read_text(), re.M).group(1)
    assert set(runtime_system.split()) <= apt, set(runtime_system.split()) - apt
    font = django_settings.CJK_FONT_PATH.relative_to(ROOT)
    assert f"test -s {font}" in dockerfile and (ROOT / font).stat().st_size > 1_000_000
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    assert {".venv", ".git", "db.sqlite3", "var", "staticfiles"} <= set(ignored)
    assert not any(str(font).startswith(pattern.rstrip("/")) for pattern in ignored), "the CJK font must reach the image"
    settings_module = re.search(r"DJANGO_SETTINGS_MODULE=(\S+)", dockerfile).group(1)
    assert settings_module == "hangqifu.settings.production" and _module_exists(settings_module)
    assert 'CMD ["gunicorn", "hangqifu.wsgi:application"' in dockerfile


def _image_web_concurrency() -> str:
    return re.search(r"^ENV WEB_CONCURRENCY=(\d+)$", (ROOT / "Dockerfile").read_text(), re.M).group(1)


def test_each_web_node_keeps_workers_free_to_answer_the_claim_rush():
    """The claim's admission lets at most CLAIM_IN_FLIGHT_LIMIT claims run; a node must run more workers than that,
    or at 9:00 all of them sit in claims and the excess waits in the socket backlog instead of getting its 429.
    The count is in WEB_CONCURRENCY (the image's, unless docker-compose sets it), which gunicorn and the start-up
    check hangqifu.W001 read alike; no command passes --workers, which the check could not see."""
    production = (ROOT / "hangqifu" / "settings" / "production.py").read_text()
    limit = int(re.search(r'"HANGQIFU_CLAIM_IN_FLIGHT", default=(\d+)', production).group(1))
    dockerfile = (ROOT / "Dockerfile").read_text()
    web = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]
    assert "--workers" not in dockerfile and "--workers" not in " ".join(web["command"])
    environment = web.get("environment", {})
    assert "GUNICORN_CMD_ARGS" not in dockerfile and "GUNICORN_CMD_ARGS" not in environment
    workers = int(environment.get("WEB_CONCURRENCY", _image_web_concurrency()))
    assert workers >= limit + 2, (limit, workers)


def _deploy_check_web_concurrency() -> str:
    """The worker count `make deploy-check` checks with when none is set (hangqifu.W001 reads it)."""
    recipe = (ROOT / "Makefile").read_text().split("\ndeploy-check:", 1)[1].split("\n\n", 1)[0]
    return re.search(r"WEB_CONCURRENCY=\$\$\{WEB_CONCURRENCY:-(\d+)\}", recipe).group(1)


def test_make_deploy_check_checks_the_images_worker_count():
    assert _deploy_check_web_concurrency() == _image_web_concurrency()


def test_production_settings_pass_check_deploy(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
           "DJANGO_SETTINGS_MODULE": "hangqifu.settings.production",
           "DJANGO_SECRET_KEY": "a-throwaway-but-long-enough-secret-key-for-the-deploy-check-0123456789",
           "DJANGO_ALLOWED_HOSTS": "hangqifu.example.gov.cn",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
           "WEB_CONCURRENCY": _deploy_check_web_concurrency()}  # as `make deploy-check` (hangqifu.W001 reads it)
    env.pop("GUNICORN_CMD_ARGS", None)
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
