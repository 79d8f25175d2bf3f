"""bench/RESULTS.md from the figures of a run: machine, date, one table per benchmark with the details that
explain it, then the analysis kept by hand in bench/analysis.md (what bounds each figure, what would move it)."""
import json
from pathlib import Path

TITLES = {
    "claim_rush": "1. Claim rush",
    "deduction_rush": "2. Deduction rush",
    "settlement": "3. Settlement",
    "expiry": "4. Year-end expiry",
    "pages": "5. Pages and lists",
    "scale_out": "6. Two web nodes behind HAProxy, one lost mid-rush",
}


def committed_fragments(names) -> dict:
    """What the committed bench/results.json and RESULTS.md say of `names`: their figures and their section as
    written, for a partial re-run on a machine that no longer has the earlier run's fragments."""
    here = Path(__file__).parent
    results, report = here / "results.json", here / "RESULTS.md"
    if not results.exists() or not report.exists():
        return {}
    figures, text, kept = json.loads(results.read_text()), report.read_text(), {}
    for name in names:
        start = text.find(f"## {TITLES[name]}\n")
        if start < 0:
            continue
        end = min((i for i in (text.find("\n## ", start + 1), text.find("\n## Analysis", start + 1)) if i > 0),
                  default=len(text))
        section = text[start:end].strip() + "\n"
        # a benchmark's figures are those its section lists (the claim rush also writes claim_open_loop.*)
        kept[name] = {"figures": [f for f in figures if f"`{f['name']}`" in section], "section": section}
    return kept


def _value(figure) -> str:
    value = figure["value"]
    if value is None:
        return f"— ({figure['unit']})"
    if isinstance(value, float):
        value = f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
    elif isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:,}"
    return f"{value} {figure['unit']}".strip()


def _mark(figure) -> str:
    return {True: "✅ pass", False: "❌ miss", None: ""}[figure["pass"]]


def render(info: dict, fragments: dict, failures: dict) -> str:
    lines = ["# Benchmark results", "",
             "Written by `make bench` (bench/run.py); the analysis at the end is kept by hand in bench/analysis.md.",
             "Every target is a ratio against a baseline measured in the same run, or an absolute bound "
             "(e.g. the 9:00 rush: every answer within 1 s, no 5xx).",
             "", "## Machine", "",
             f"- Date: {info['date_utc']}; total `make bench` time {info.get('total_seconds', '?')} s "
             f"(per benchmark: {', '.join(f'{k} {v} s' for k, v in info.get('bench_seconds', {}).items())})",
             f"- CPU: {info['nproc']} cores ({info['cpu']}); memory {info['memory']}; load before the run: "
             f"{info['load_before']}",
             f"- {info['postgresql']} ({info['postgresql_settings']}); Redis {info['redis']}; Python {info['python']}; "
             f"{info['wrk']}"]
    if info.get("rerun"):
        lines.append(f"- Partial re-run: {info['rerun']}; the total includes it")
    lines.append("")
    passed = sum(1 for f in fragments.values() for x in f["figures"] if x["pass"] is True)
    missed = [x["name"] for f in fragments.values() for x in f["figures"] if x["pass"] is False]
    lines += ["## Summary", "", f"{passed} targets met, {len(missed)} missed"
              + (f": {', '.join(missed)}" if missed else "") + "."]
    for name, reason in failures.items():
        lines.append(f"- **{name} did not complete**: {reason}")
    lines.append("")
    for name, title in TITLES.items():
        fragment = fragments.get(name)
        if fragment is None:
            continue
        if "section" in fragment:  # kept from the committed report (a partial re-run on a fresh machine)
            lines += [fragment["section"]]
            continue
        lines += [f"## {title}", "", "| figure | value | target | |", "|---|---|---|---|"]
        for figure in fragment["figures"]:
            lines.append(f"| `{figure['name']}` | {_value(figure)} | {figure['target']} | {_mark(figure)} |")
        lines += ["", "<details><summary>Run details</summary>", "", "```json",
                  json.dumps(fragment["details"], ensure_ascii=False, indent=1, default=str)[:6000], "```", "",
                  "</details>", ""]
        if fragment.get("notes"):
            lines += [fragment["notes"], ""]
    analysis = Path(__file__).with_name("analysis.md")
    if analysis.exists():
        lines += [analysis.read_text()]
    return "\n".join(lines) + "\n"
