"""`make screenshots`: each demo role's home at 390 × 844 (a phone) and 1366 × 768 (an office screen), written to
docs/screenshots/<role>-<width>.png for the README.

Builds a throwaway SQLite database with the demo data (migrate + seed_demo), serves it on a free port with the
test clock off, logs each demo account in through the login page (staff with the published demo TOTP secret,
as an authenticator app would) and photographs /home/. Chromium is pointed at the vendored CJK font
(static/fonts) through its own fontconfig file, so the Chinese renders on a machine without CJK fonts.
The server is stopped by its process id."""
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib import request

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PYTHON = sys.executable
PASSWORD = "Hangqifu-demo-2026"
DEMO_TOTP_SECRET = "HANGQIFUDEMOTOTPSECRETFORSTAFF22"  # the published demo secret (README); seed_demo only
ROLES = ["enterprise", "park", "provider", "center", "bureau", "finance", "district"]
VIEWPORTS = [(390, 844), (1366, 768)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fontconfig(tmp: Path) -> Path:
    conf = tmp / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>
<dir>{ROOT / 'static' / 'fonts'}</dir><cachedir>{tmp / 'fontcache'}</cachedir></fontconfig>""", encoding="utf-8")
    return conf


def _totp_now(secret: str, step_offset: int = 0) -> str:
    import base64
    import hashlib
    import hmac
    import struct

    key = base64.b32decode(secret)
    counter = int(time.time()) // 30 + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def main() -> int:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")}
        env.update(DATABASE_URL=f"sqlite:///{tmp / 'demo.sqlite3'}", DJANGO_SETTINGS_MODULE="hangqifu.settings.local",
                   HANGQIFU_TEST_CLOCK="0", HANGQIFU_MEDIA_ROOT=str(tmp / "media"))
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([PYTHON, "manage.py", "seed_demo", "-v0"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        port = _free_port()
        server = subprocess.Popen([PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                try:
                    request.urlopen(f"{base}/healthz/", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            os.environ["FONTCONFIG_FILE"] = str(_fontconfig(tmp))
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                                     args=["--no-sandbox", "--disable-gpu"], env=dict(os.environ))
                for number, role in enumerate(ROLES):
                    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
                    page = context.new_page()
                    page.goto(f"{base}/accounts/login/")
                    page.fill("input[name=username]", f"demo-{role}")
                    page.fill("input[name=password]", PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_load_state()
                    if "/second-factor/verify/" in page.url:
                        # each staff account has its own device: the current step's code, once per account
                        page.fill("input[name=otp]", _totp_now(DEMO_TOTP_SECRET))
                        page.click("form[data-testid=otp-verify] button[type=submit]")
                        page.wait_for_url(f"{base}/home/")
                    for width, height in VIEWPORTS:
                        page.set_viewport_size({"width": width, "height": height})
                        page.goto(f"{base}/home/")
                        page.screenshot(path=str(OUT / f"{role}-{width}.png"), full_page=False)
                        print(f"docs/screenshots/{role}-{width}.png")
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
