"""`make backup` / `make restore BACKUP=…` (check 10): the database and the uploaded files, together.

backup  → var/backups/<UTC timestamp>/ with
            database.dump   pg_dump custom format (PostgreSQL), or database.sqlite3 (SQLite, online backup API)
            media.tar.gz    the MEDIA_ROOT tree (uploads, archived disbursement PDFs)
            manifest.json   source database, sizes and SHA-256 of both files, row counts of the money tables
restore → a *named* database (never the live one unless asked with --force) and a media directory:
            PostgreSQL: createdb NAME, pg_restore --no-owner into it; SQLite: a copy at the given path;
            media.tar.gz extracted into the target directory (members with absolute or '..' paths refused).
After a restore, run `verify_ledger` and `verify_audit` against the restored database (the test does).

Usage: python -m reliability.backup backup [--out var/backups]
       python -m reliability.backup restore BACKUP_DIR --database NAME_OR_URL --media DIR [--force]"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def _setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hangqifu.settings.local")
    import django

    django.setup()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env(db: dict) -> tuple[list[str], dict]:
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _row_counts() -> dict:
    from hangqifu.audit.models import AuditEvent
    from vouchers.models import Deduction, LedgerEntry, Voucher

    return {"ledger_entries": LedgerEntry.objects.count(), "audit_events": AuditEvent.objects.count(),
            "vouchers": Voucher.objects.count(), "deductions": Deduction.objects.count()}


def backup(out: Path, *, database: dict | None = None, media_root: Path | None = None) -> Path:
    """Write one backup directory and return it."""
    from django.conf import settings
    from django.db import connection

    db = database or settings.DATABASES["default"]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    target = out / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target.mkdir(parents=True, exist_ok=False)
    if "postgresql" in db["ENGINE"]:
        dump = target / "database.dump"
        args, env = _pg_env(db)
        subprocess.run(["pg_dump", *args, "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump),
                        db["NAME"]], check=True, env=env)
    else:
        dump = target / "database.sqlite3"
        source = sqlite3.connect(str(db["NAME"]))
        copy = sqlite3.connect(str(dump))
        with copy:
            source.backup(copy)
        source.close()
        copy.close()
    media = target / "media.tar.gz"
    with tarfile.open(media, "w:gz") as archive:
        if media_root.exists():
            for path in sorted(media_root.rglob("*")):
                archive.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
    manifest = {"created_at": datetime.now(timezone.utc).isoformat(), "engine": db["ENGINE"],
                "database": str(db["NAME"]), "media_root": str(media_root),
                "files": {p.name: {"bytes": p.stat().st_size, "sha256": _sha256(p)} for p in (dump, media)}}
    if connection.settings_dict["NAME"] == db["NAME"]:
        manifest["rows"] = _row_counts()
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return target


def _safe_extract(archive: tarfile.TarFile, destination: Path) -> None:
    destination = destination.resolve()
    for member in archive.getmembers():
        resolved = (destination / member.name).resolve()
        if member.name.startswith("/") or ".." in Path(member.name).parts or not (
                resolved == destination or destination in resolved.parents):
            raise ValueError(f"refusing archive member outside the media directory: {member.name}")
        if member.issym() or member.islnk() or member.isdev():
            raise ValueError(f"refusing link or device in the media archive: {member.name}")
    archive.extractall(destination, filter="data")


def restore(backup_dir: Path, *, database: str, media: Path, force: bool = False, live: dict | None = None) -> dict:
    """Restore into database `database` (a PostgreSQL name, or a SQLite path) and `media`; returns the
    connection settings of the restored database."""
    from django.conf import settings

    live = live or settings.DATABASES["default"]
    manifest = json.loads((backup_dir / "manifest.json").read_text(encoding="utf-8"))
    for name, expected in manifest["files"].items():
        if _sha256(backup_dir / name) != expected["sha256"]:
            raise ValueError(f"{name} does not match its checksum in manifest.json")
    if "postgresql" in manifest["engine"]:
        if database == live["NAME"] and not force:
            raise ValueError("refusing to restore over the live database (use --force)")
        args, env = _pg_env(live)
        if force:
            subprocess.run(["dropdb", *args, "--if-exists", database], check=True, env=env)
        subprocess.run(["createdb", *args, database], check=True, env=env)
        subprocess.run(["pg_restore", *args, "--no-owner", "--no-privileges", "--exit-on-error", "-d", database,
                        str(backup_dir / "database.dump")], check=True, env=env)
        restored = {**live, "NAME": database}
    else:
        path = Path(database)
        if path.exists() and not force:
            raise ValueError(f"{path} exists (use --force)")
        shutil.copyfile(backup_dir / "database.sqlite3", path)
        restored = {**live, "NAME": str(path)}
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(backup_dir / "media.tar.gz", "r:gz") as archive:
        _safe_extract(archive, media)
    return restored


def database_url(db: dict) -> str:
    """A DATABASE_URL for the given connection settings (to run manage.py commands against a restore)."""
    if "postgresql" in db["ENGINE"]:
        auth = db.get("USER") or "postgres"
        if db.get("PASSWORD"):
            auth += f":{db['PASSWORD']}"
        return urlunsplit(("postgres", f"{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}",
                           f"/{db['NAME']}", "", ""))
    return f"sqlite:///{db['NAME']}"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m reliability.backup")
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("backup")
    make.add_argument("--out", default=str(ROOT / "var" / "backups"))
    back = sub.add_parser("restore")
    back.add_argument("backup_dir")
    back.add_argument("--database", required=True, help="PostgreSQL database name (or SQLite file path)")
    back.add_argument("--media", required=True, help="directory to extract the uploaded files into")
    back.add_argument("--force", action="store_true", help="replace an existing target")
    options = parser.parse_args(argv)
    _setup()
    if options.command == "backup":
        print(backup(Path(options.out)))
        return 0
    restored = restore(Path(options.backup_dir), database=options.database, media=Path(options.media),
                       force=options.force)
    print(f"restored into {restored['NAME']} and {options.media}")
    return verify(restored, Path(options.media))


def verify(restored: dict, media: Path) -> int:
    """Run verify_ledger and verify_audit against the restored database; 0 when both pass."""
    env = {**os.environ, "DATABASE_URL": database_url(restored), "HANGQIFU_MEDIA_ROOT": str(media)}
    status = 0
    for command in ("verify_ledger", "verify_audit"):
        result = subprocess.run([sys.executable, "manage.py", command], cwd=ROOT, env=env)
        status = status or result.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())

