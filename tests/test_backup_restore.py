"""Check 10: `make backup` / `make restore` (reliability/backup.py). A database with money movement, audit
events and uploaded files is backed up, restored into a fresh database and media directory, and there
`verify_ledger` and `verify_audit` pass with the same totals as the original; every uploaded file comes back
byte for byte; the invariants I1–I7 hold on the restored data."""
import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command

from reliability import backup as backups
from reliability.figures import record
from reliability.money_model import MoneyModel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent


def _run(command: str, db: dict, media: Path) -> str:
    env = {**os.environ, "DATABASE_URL": backups.database_url(db), "HANGQIFU_MEDIA_ROOT": str(media),
           "DJANGO_SETTINGS_MODULE": "hangqifu.settings.local"}
    result = subprocess.run([sys.executable, "manage.py", command], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_restore_into_a_fresh_database_verifies_with_identical_totals(tmp_path, settings):
    from django.db import connection

    from hangqifu.documents.models import Document

    # given a database where money moved, audit events were written and files were uploaded
    result = MoneyModel(11).run(100)
    assert result.ok and result.outcomes["claim:ok"] > 0, result.outcomes
    live = connection.settings_dict
    original = {command: _run(command, live, Path(settings.MEDIA_ROOT)) for command in ("verify_ledger",
                                                                                          "verify_audit")}
    files = {doc.file.name: hashlib.sha256(doc.file.read()).hexdigest() for doc in Document.objects.all()}
    assert files
    # when it is backed up and restored into a fresh database and media directory
    folder = backups.backup(tmp_path / "backups")
    assert {p.name for p in folder.iterdir()} == {"database.dump", "media.tar.gz", "manifest.json"}
    name = f"{live['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    media = tmp_path / "restored-media"
    restored = backups.restore(folder, database=name, media=media)
    try:
        # then verify_ledger and verify_audit pass there with identical figures
        for command, output in original.items():
            assert _run(command, restored, media) == output
        # and every uploaded file is back, byte for byte
        for relative, digest in files.items():
            assert hashlib.sha256((media / relative).read_bytes()).hexdigest() == digest
        # and the invariants hold on the restored data
        env = {**os.environ, "DATABASE_URL": backups.database_url(restored)}
        check = subprocess.run([sys.executable, "-c", "import django, os; os.environ.setdefault("
                                "'DJANGO_SETTINGS_MODULE', 'hangqifu.settings.local'); django.setup(); "
                                "from reliability.invariants import check_invariants; "
                                "v = check_invariants(); print(len(v)); raise SystemExit(1 if v else 0)"],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert check.returncode == 0, check.stdout + check.stderr
        record("backup_restore", tried=1, held=1, detail=f"{len(files)} files, ledger and audit identical")
    finally:
        subprocess.run(["dropdb", "-h", live.get("HOST") or "127.0.0.1", "-p", str(live.get("PORT") or 5432),
                        "-U", live.get("USER") or "postgres", "--if-exists", name], check=False)


def test_restore_refuses_the_live_database_and_tampered_backups(tmp_path):
    from django.db import connection

    MoneyModel(4).run(5)
    folder = backups.backup(tmp_path / "backups")
    with pytest.raises(ValueError, match="live database"):
        backups.restore(folder, database=connection.settings_dict["NAME"], media=tmp_path / "m")
    with (folder / "media.tar.gz").open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ValueError, match="checksum"):
        backups.restore(folder, database="hq_never_created", media=tmp_path / "m")


def test_media_archive_with_a_path_outside_the_directory_is_refused(tmp_path):
    import tarfile

    evil = tmp_path / "evil.tar.gz"
    payload = tmp_path / "x.txt"
    payload.write_text("x")
    with tarfile.open(evil, "w:gz") as archive:
        archive.add(payload, arcname="../../escape.txt")
    with tarfile.open(evil, "r:gz") as archive, pytest.raises(ValueError, match="outside"):
        backups._safe_extract(archive, tmp_path / "media")
    assert not (tmp_path.parent / "escape.txt").exists()


def test_verify_commands_run_in_process_too():
    call_command("verify_ledger", stdout=open(os.devnull, "w"))
    call_command("verify_audit", stdout=open(os.devnull, "w"))
