"""docker-compose.yml points at code that exists; production settings pass `check --deploy`."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _module_exists(dotted: str) -> bool:
    return importlib.util.find_spec(dotted) is not None


def test_every_compose_service_runs_existing_code():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    web = " ".join(services["web"]["command"])
    assert "hangqifu.wsgi:application" in web and _module_exists("hangqifu.wsgi")
    for name in ("worker", "beat"):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "hangqifu"] and _module_exists("hangqifu.celery")
    beat = services["beat"]["command"]
    module, _, attr = beat[beat.index("--scheduler") + 1].partition(":")
    assert hasattr(importlib.import_module(module), attr)
    assert (ROOT / "Dockerfile").exists()
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


def test_production_settings_pass_check_deploy(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
           "DJANGO_SETTINGS_MODULE": "hangqifu.settings.production",
           "DJANGO_SECRET_KEY": "a-throwaway-but-long-enough-secret-key-for-the-deploy-check-0123456789",
           "DJANGO_ALLOWED_HOSTS": "hangqifu.example.gov.cn",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
