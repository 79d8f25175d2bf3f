"""`make test`: the whole suite. Prints which backend it runs on; under CI (HANGQIFU_NO_SKIP=1) a skipped
test fails the run (conftest.py)."""
import os
import subprocess
import sys

database = os.environ.get("DATABASE_URL", "")
broker = os.environ.get("CELERY_BROKER_URL", "")
print(f"数据库: {'PostgreSQL ' + database.split('@')[-1] if database.startswith('postgres') else 'SQLite（嵌入式）'}")
print(f"任务队列: {'Redis + 真实 Celery worker' if broker else '进程内执行（无 broker）'}")
if not database.startswith("postgres"):
    print("提示：未设置 DATABASE_URL，标记为 postgres 的并发/触发器测试将被跳过（原因见下方 SKIPPED 行）。")

workers = os.environ.get("PYTEST_WORKERS", "2")
command = [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", *(["-n", workers] if workers != "0" else []),
           *sys.argv[1:]]
sys.exit(subprocess.call(command))
