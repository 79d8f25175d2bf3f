"""`make smoke`: the first run of a newcomer, checked end to end.

Clones the current commit into a temporary folder, runs `make run` there on the embedded default (SQLite,
tasks in-process, no DATABASE_URL/CELERY_BROKER_URL) on a free port, and waits for the portal. Then:
- imports every module of the project and runs `manage.py check` (local and production settings) with the
  clone's virtualenv, which `make run` built from requirements.txt alone (scripts/check_runtime.py);
- for every demo login (the README's table and what seed_demo printed): gets an API token, reads `me/`,
  logs in through the login page, opens `/home/` and every link on it one level deep (no 4xx/5xx, no
  bounce back to the login page), and uploads a real PDF through the API where that role uploads documents.
  Staff accounts need the second factor: the script computes the codes from the demo TOTP secret that
  seed_demo printed, as an authenticator app would (RFC 6238), for the token (`otp`) and the code page.
Stops the server by its process id and exits 1 on any miss. Standard library only: it runs before any
virtualenv exists.
"""
import base64
import hashlib
import hmac
import http.cookiejar
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib import error, parse, request

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 300  # seconds for `make run` to build the venv, migrate, seed and answer
# Variables that would point the clone away from the embedded default (or at this checkout's venv).
ISOLATE = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV",
           "HANGQIFU_NO_SKIP", "HANGQIFU_MEDIA_ROOT", "PYTHONPATH")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.inputs: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "input" and attrs.get("name"):
            self.inputs[attrs["name"]] = attrs.get("value") or ""


class Portal:
    """One user's view of the running portal: a session (cookies) for pages and a token for the API."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = request.build_opener(request.HTTPCookieProcessor(self.jar))
        self.token = ""
        self.otp_step = 0  # the time step of the last code this user typed

    def call(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None):
        """(status, final path, body bytes); 4xx/5xx are returned, not raised."""
        headers = dict(headers or {})
        if self.token and path.startswith("/api/"):
            headers["Authorization"] = f"Token {self.token}"
        req = request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, parse.urlsplit(response.url).path, response.read()
        except error.HTTPError as exc:
            return exc.code, parse.urlsplit(exc.url).path, exc.read()

    def api(self, method: str, path: str, payload=None):
        body = json.dumps(payload).encode() if payload is not None else None
        status, _, data = self.call(method, f"/api/v1/{path}", body=body,
                                    headers={"Content-Type": "application/json", "Accept": "application/json"})
        try:
            return status, json.loads(data or b"null")
        except ValueError:
            return status, data[:200]

    def upload(self, path: str, fields: dict, files: dict):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, content) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         f"Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        status, _, data = self.call("POST", f"/api/v1/{path}", body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json"})
        return status, data

    def post_form(self, path: str, fields: dict) -> tuple[int, str]:
        """GET the page, POST its form with `fields` and the CSRF token: (status, final path)."""
        status, _, html = self.call("GET", path)
        form = Links()
        form.feed(html.decode("utf-8", "replace"))
        fields = {"csrfmiddlewaretoken": form.inputs.get("csrfmiddlewaretoken", ""), **fields}
        status, final, _ = self.call("POST", path, body=parse.urlencode(fields).encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded", "Referer": self.base + path})
        return status, final

    def web_login(self, username: str, password: str, otp_secret: str) -> tuple[int, str]:
        status, final = self.post_form("/accounts/login/", {"username": username, "password": password})
        if final.startswith("/accounts/second-factor/verify/") and otp_secret:
            # a code is accepted once: the step after the token's code (or the current one, if later)
            step = max(self.otp_step + 1, int(time.time()) // 30)
            status, final = self.post_form("/accounts/second-factor/verify/?next=/home/",
                                           {"otp": totp(otp_secret, step), "next": "/home/"})
        return status, final


def totp(secret: str, counter: int) -> str:
    """The 6-digit code an authenticator app shows for `secret` at time step `counter` (RFC 6238: HMAC-SHA1,
    30-second steps; the current step is int(time.time()) // 30)."""
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_samples(clone: Path):
    """The project's own builder of well-formed PDFs (hangqifu/documents/samples.py, standard library only)."""
    spec = importlib.util.spec_from_file_location("samples", clone / "hangqifu" / "documents" / "samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def readme_logins(clone: Path) -> list[str]:
    """The demo logins of the README's table (rows that start with a `demo-…` name)."""
    rows = [line for line in (clone / "README.md").read_text().splitlines() if line.startswith("| `demo-")]
    return [name for row in rows for name in re.findall(r"`(demo-[a-z0-9-]+)`", row.split("|")[1])]


def demo_otp_secret(log: str) -> str:
    """The demo staff's published TOTP secret, as seed_demo printed it next to their accounts."""
    match = re.search(r"动态口令密钥 ([A-Z2-7]{16,})", log)
    return match.group(1) if match else ""


def seeded_logins(log: str) -> tuple[str, list[str]]:
    """The password and the accounts seed_demo printed ("演示账号（密码均为 …）：" then one per line)."""
    match = re.search(r"密码均为 (\S+?)）：\n((?:\s{4}\S+.*\n)+)", log)
    if not match:
        return "", []
    return match.group(1), [line.split()[0] for line in match.group(2).splitlines()]


def uploads_for(role: str, portal: Portal, pdf: bytes) -> list[str]:
    """Upload a real PDF through the API the way this role does in its work; returns what failed."""
    if role in ("enterprise", "park"):
        status, qualifications = portal.api("GET", "qualifications/")
        if not any(q["state"] == "active" for q in (qualifications or {}).get("results", [])):
            return registration_upload(portal, pdf)
        status, catalogue = portal.api("GET", "catalogue/")
        products = (catalogue or {}).get("results") if status == 200 else None
        if not products:
            return [f"catalogue/ → {status}: no listed product to order"]
        product = products[0]
        status, body = portal.upload("orders/", {"product": product["id"], "amount": product["price"]},
                                     {"contract": ("合同.pdf", pdf)})
        if status != 201:
            return [f"POST orders/ (contract PDF) → {status} {body[:300]!r}"]
        order = json.loads(body)["id"]
        status, _, letter = portal.call("GET", f"/api/v1/orders/{order}/commitment-letter/")
        if status != 200 or not letter.startswith(b"%PDF-"):
            return [f"GET orders/{order}/commitment-letter/ → {status} (WeasyPrint PDF expected)"]
        status, body = portal.upload(f"orders/{order}/documents/", {"kind": "stamped_commitment_letter"},
                                     {"file": ("承诺书.pdf", letter)})
        return [] if status == 201 else [f"POST orders/{order}/documents/ → {status} {body[:300]!r}"]
    if role == "provider":
        status, product = portal.api("POST", "products/", {
            "category": "management_consulting", "title": f"冒烟测试产品 {uuid.uuid4().hex[:6]}", "price": "10000.00",
            "description": "新用户首次运行检查所建产品。", "deliverables": "诊断报告一份", "duration_days": 30,
            "last_year_average_price": "10000.00"})
        if status == 409 or status == 403:  # an applicant still under review cannot add products yet
            return []
        if status != 201:
            return [f"POST products/ → {status} {product!r:.300}"]
        status, body = portal.upload(f"products/{product['id']}/documents/", {"kind": "price_basis"},
                                     {"file": ("价格依据.pdf", pdf)})
        return [] if status == 201 else [f"POST products/{product['id']}/documents/ → {status} {body[:300]!r}"]
    if role in ("service_center", "bureau"):
        status, notices = portal.api("GET", "public-notices/?state=published")
        open_notices = (notices or {}).get("results") if status == 200 else None
        if not open_notices:
            return [f"public-notices/?state=published → {status}: no notice under way to attach a document to"]
        notice = open_notices[0]["id"]
        status, body = portal.upload(f"public-notices/{notice}/documents/", {"kind": "notice_attachment"},
                                     {"file": ("公示附件.pdf", pdf)})
        return [] if status == 201 else [f"POST public-notices/{notice}/documents/ → {status} {body[:300]!r}"]
    return []  # finance bureau, district finance and experts upload nothing


def registration_upload(portal: Portal, pdf: bytes) -> list[str]:
    """Before qualifying, a holder uploads its registration documents while the application is a draft or
    returned for correction; one already submitted waits for review and uploads nothing."""
    status, registrations = portal.api("GET", "registrations/")
    if status != 200:
        return [f"registrations/ → {status}"]
    editable = [r for r in registrations.get("results", []) if r["state"] in ("draft", "returned")]
    if not editable:
        return []
    registration = editable[0]["id"]
    status, body = portal.upload(f"registrations/{registration}/documents/", {"kind": "business_licence"},
                                 {"file": ("营业执照.pdf", pdf)})
    return [] if status == 201 else [f"POST registrations/{registration}/documents/ → {status} {body[:300]!r}"]


def home_links(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    seen = []
    for href in parser.hrefs:
        parts = parse.urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/accounts/logout"):
            continue
        link = parts.path + (f"?{parts.query}" if parts.query else "")
        if link not in seen:
            seen.append(link)
    return seen


def check_served_as_product(base: str) -> list[str]:
    """What a newcomer sees is the product: the portal's Chinese 404 page, not Django's debug page, and the
    stylesheet under its hashed name served by the portal itself."""
    portal = Portal(base)
    misses = []
    status, _, body = portal.call("GET", "/no-such-page-smoke/")
    text = body.decode("utf-8", "replace")
    if status != 404 or "页面不存在" not in text or "DEBUG" in text:
        misses.append(f"unknown page → {status}, not the portal's Chinese 404 page")
    status, _, body = portal.call("GET", "/")
    sheets = re.findall(r'<link rel="stylesheet" href="(/static/[^"]+)"', body.decode("utf-8", "replace"))
    if not sheets or not all(re.search(r"\.[0-9a-f]{12}\.css$", sheet) for sheet in sheets):
        misses.append(f"stylesheets not collected with hashed names: {sheets}")
    for sheet in sheets:
        status, _, _ = portal.call("GET", sheet)
        if status != 200:
            misses.append(f"{sheet} → {status}")
    return misses


def check_user(base: str, username: str, password: str, pdf: bytes, otp_secret: str) -> tuple[list[str], int]:
    portal = Portal(base)
    status, body = portal.api("POST", "auth/token/", {"username": username, "password": password})
    if status == 400 and (body or {}).get("code") == "otp_required" and otp_secret:  # staff: the second factor
        portal.otp_step = int(time.time()) // 30
        status, body = portal.api("POST", "auth/token/", {"username": username, "password": password,
                                                          "otp": totp(otp_secret, portal.otp_step)})
    if status != 200 or "token" not in (body or {}):
        return [f"auth/token/ → {status} {body!r:.200}"], 0
    portal.token = body["token"]
    status, me = portal.api("GET", "me/")
    if status != 200 or me.get("username") != username:
        return [f"me/ → {status} {me!r:.200}"], 0
    misses = []
    status, final = portal.web_login(username, password, otp_secret)
    if status != 200 or final != "/home/":
        return [f"web login → {status} at {final}"], 0
    status, _, html = portal.call("GET", "/home/")
    links = home_links(html.decode("utf-8", "replace"))
    for link in links:
        status, final, _ = portal.call("GET", link)
        if status >= 400:
            misses.append(f"{link} → {status}")
        elif final.startswith("/accounts/login/"):
            misses.append(f"{link} → sent back to the login page")
    misses += uploads_for(me["role"], portal, pdf)
    return misses, len(links)


def wait_for_portal(base: str, process: subprocess.Popen, log_path: Path) -> str | None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"`make run` exited with {process.returncode}:\n" + log_path.read_text()[-4000:]
        try:
            with request.urlopen(base + "/healthz/", timeout=5) as response:
                if response.status == 200:
                    return None
        except (error.URLError, OSError):
            pass
        time.sleep(1)
    return f"the portal did not answer within {START_TIMEOUT} s:\n" + log_path.read_text()[-4000:]


def stop(process: subprocess.Popen) -> None:
    """Stop `make run` and the server it started: they share the process group led by its process id."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main() -> int:
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="hangqifu-smoke-"))
    clone = workdir / "hangqifu"
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "checkout", "--quiet", commit], cwd=clone, check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if key not in ISOLATE}
    log_path = workdir / "make-run.log"
    print(f"冒烟检查：提交 {commit[:10]} 的全新克隆 {clone}，`make run PORT={port}`（日志 {log_path}）", flush=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=clone, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    failures: list[str] = []
    try:
        problem = wait_for_portal(base, process, log_path)
        if problem:
            failures.append(problem)
            return 1
        print(f"  门户已应答（{time.monotonic() - started:.0f} 秒）", flush=True)
        check = subprocess.run([str(clone / ".venv" / "bin" / "python"), "scripts/check_runtime.py"], cwd=clone,
                               env=env, capture_output=True, text=True, timeout=300)
        print("  " + (check.stdout.strip().splitlines() or ["(no output)"])[-1], flush=True)
        if check.returncode != 0:
            failures.append("scripts/check_runtime.py with the runtime-only venv:\n" + check.stdout[-3000:]
                            + check.stderr[-3000:])
        failures += check_served_as_product(base)
        password, seeded = seeded_logins(log_path.read_text())
        logins = list(dict.fromkeys(readme_logins(clone) + seeded))
        if not password or not seeded:
            failures.append("seed_demo printed no demo accounts")
        missing = sorted(set(readme_logins(clone)) - set(seeded))
        if missing:
            failures.append(f"README lists demo logins that seed_demo did not create: {missing}")
        pdf = load_samples(clone).simple_pdf("Hangqifu smoke test")
        otp_secret = demo_otp_secret(log_path.read_text())
        if not otp_secret:
            failures.append("seed_demo printed no demo TOTP secret for the staff accounts")
        for username in logins:
            misses, opened = check_user(base, username, password, pdf, otp_secret)
            print(f"  {username:<18} {'通过' if not misses else '失败'}：首页链接 {opened} 个", flush=True)
            failures += [f"{username}: {miss}" for miss in misses]
    finally:
        stop(process)
        if failures:
            print("\n冒烟检查失败：\n" + "\n".join(f"- {failure}" for failure in failures))
            print(f"(保留 {workdir} 以便排查)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        return 1
    print(f"冒烟检查通过：{len(logins)} 个演示账号，用时 {time.monotonic() - started:.0f} 秒")
    return 0


if __name__ == "__main__":
    sys.exit(main())
