"""Turn the recorded figures into bench/RELIABILITY.md and bench/reliability.json.

Usage: python -m reliability.report RESULTS.jsonl [JUNIT.xml …]
A figure is `{"name","tried","held"}`; figures with the same name are summed. A check passes when it held
every time it was tried (and was tried at all) and none of its tests failed. Expected checks that recorded
nothing are listed as not run (pass false)."""
import json
import sys
import xml.etree.ElementTree as ET
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name → (what it measures, unit)
CHECKS = OrderedDict([
    ("money_model_steps", ("1. 随机资金模型：随机顺序执行领券/抵扣/取消/过期/兑付/审批/支付，每步后检查 I1–I7", "steps")),
    ("concurrency_races", ("2. 并发：≤40 线程争抢同一批次、同一资金、同一额度、同一机构 50 万上限、同一订单抵扣", "races")),
    ("concurrency_requests", ("2. 并发请求中无 500（死锁/未处理异常）", "requests")),
    ("db_guards", ("3. 数据库约束：绕过 Python 的原始 SQL 违规写入被拒绝", "statements")),
    ("db_guard_cost", ("3. 抵扣守卫触发器：数千笔抵扣前后每笔开销不随年度规模增长", "runs")),
    ("crash_settlement", ("4. 崩溃安全：结算/过期中途 kill -9 worker，重启重跑后每申请一行支付、台账一致", "kills")),
    ("idempotency_replays", ("5. 幂等：同一 Idempotency-Key 100 次并发重放，一次生效、响应一致", "keys")),
    ("access_matrix", ("6. 访问控制矩阵：他方角色和同角色他单位访问对象级页面/API 得 403/404", "requests")),
    ("api_fuzz", ("7. API 模糊测试（schemathesis）：无 5xx、响应符合 schema", "cases")),
    ("upload_corpus", ("8. 恶意上传样本被拒绝或无害化；下载为 attachment + nosniff", "files")),
    ("hardening", ("9. 加固：check --deploy、CSP、登录锁定、会话过期、CSRF、安全响应头", "tests")),
    ("backup_restore", ("10. 备份恢复：恢复到新库后 verify_ledger / verify_audit 通过、总额一致", "restores")),
    ("broker_outage", ("11. Redis 停机：用户操作照常提交，任务在恢复后发出、不丢失", "tasks")),
    ("pg_restart", ("11. PostgreSQL 崩溃重启（私有集群）：负载中途重启后无半完成的资金变动、成功的操作都在、停机时 503", "checks")),
    ("second_factor_money_actions", ("12. 双因素：无已验证动态口令的工作人员尝试每项资金操作（服务、令牌、会话 API、页面），全部被拒", "attempts")),
    ("tokens_end", ("12. 令牌：过期、注销、改密后的令牌被拒（401）", "tokens")),
    ("scheduler_locked", ("12. 定时任务：代码外写入的任务不被调度且入审计链，管理后台修改被拒", "checks")),
    ("formula_cells", ("12. 导出：以 = + - @ 制表符 回车开头的文本写为纯文本单元格", "cells")),
    ("hostile_amounts", ("12. 恶意金额（1e27、NaN、Infinity、3位小数…）在每个金额输入上得 invalid，无 5xx", "requests")),
    ("lockout_by_username", ("12. 按用户名锁定：多地址猜同一账号后，正确密码也被拒", "lockouts")),
    ("security_events_audited", ("12. 安全事件入审计链：登录、失败、锁定、退出、改密、口令绑定/重置、令牌签发/注销/重放、拒绝、下载、后台保存、调度修改", "event types")),
])
JUNIT_CHECKS = {  # normal-suite test files whose pass count is a figure when no finer figure was recorded
    "test_reliability_db_guards": "db_guards",
    "test_access_matrix": "access_matrix",
    "test_upload_corpus": "upload_corpus",
    "test_security": "hardening",
    "test_deployment": "hardening",
    "test_security_abuse": "hardening",
    "test_security_scheduler_exports": "hardening",
    "test_backup_restore": "backup_restore",
    "test_api_fuzz": "api_fuzz",
    "test_reliability_outbox": "broker_outage",
    "test_database_unavailable": "pg_restart",
    "test_reliability_money_model": "money_model_steps",
}


def _junit(paths):
    """(check name → [tests, passed], failed test ids)"""
    counts, failures = {}, []
    for path in paths:
        for case in ET.parse(path).getroot().iter("testcase"):
            module = case.get("classname", "").split(".")[-1]
            name = JUNIT_CHECKS.get(module)
            if name is None:
                continue
            failed = case.find("failure") is not None or case.find("error") is not None
            skipped = case.find("skipped") is not None
            entry = counts.setdefault(name, [0, 0])
            if not skipped:
                entry[0] += 1
                entry[1] += 0 if failed else 1
            if failed or skipped:
                failures.append((name, f"{case.get('classname')}::{case.get('name')}",
                                 "failed" if failed else "skipped"))
    return counts, failures


def build(results: Path, junit_paths=()) -> list[dict]:
    figures = OrderedDict((name, {"name": name, "tried": 0, "held": 0, "details": []}) for name in CHECKS)
    if results.exists():
        for line in results.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            entry = figures.setdefault(item["name"], {"name": item["name"], "tried": 0, "held": 0, "details": []})
            entry["tried"] += item["tried"]
            entry["held"] += item["held"]
            if item.get("detail"):
                entry["details"].append(item["detail"])
    counts, failures = _junit(junit_paths)
    for name, (tests, passed) in counts.items():
        entry = figures[name]
        if entry["tried"] == 0:
            entry["tried"], entry["held"] = tests, passed
            entry["details"].append(f"{passed}/{tests} tests passed")
    failed_checks = {name for name, _, _ in failures}
    out = []
    for name, entry in figures.items():
        description, unit = CHECKS.get(name, (name, ""))
        passed = entry["tried"] > 0 and entry["held"] == entry["tried"] and name not in failed_checks
        out.append({"name": name, "tried": entry["tried"], "held": entry["held"], "pass": passed,
                    "unit": unit, "description": description,
                    "details": entry["details"] + [f"{test}: {why}" for n, test, why in failures if n == name]})
    return out


def write(rows: list[dict], bench: Path = ROOT / "bench") -> None:
    bench.mkdir(exist_ok=True)
    (bench / "reliability.json").write_text(json.dumps(
        [{"name": r["name"], "tried": r["tried"], "held": r["held"], "pass": r["pass"]} for r in rows],
        ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# Reliability figures", "",
             f"Written by `make reliability` on {now}. Each row: how many times the check was tried and how many",
             "times the invariant held (a pass needs held = tried > 0). Details below the table.", "",
             "| check | tried | held | pass |", "|---|---:|---:|:---:|"]
    for r in rows:
        mark = "✅" if r["pass"] else ("— not run" if r["tried"] == 0 else "❌")
        lines.append(f"| {r['description']} (`{r['name']}`) | {r['tried']} {r['unit']} | {r['held']} | {mark} |")
    lines += ["", "## Details", ""]
    for r in rows:
        if r["details"]:
            lines.append(f"### {r['name']}")
            lines += [f"- {d}" for d in r["details"][:30]]
            lines.append("")
    (bench / "RELIABILITY.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv):
    results = Path(argv[1]) if len(argv) > 1 else ROOT / "var" / "reliability" / "results.jsonl"
    rows = build(results, [Path(p) for p in argv[2:] if Path(p).exists()])
    write(rows)
    failed = [r["name"] for r in rows if not r["pass"]]
    print(f"reliability: {len(rows) - len(failed)}/{len(rows)} checks pass" + (f"; failing: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
