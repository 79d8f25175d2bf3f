"""A partial `make bench` re-run on a fresh machine keeps the other benchmarks' figures and sections as committed
(bench/report.py committed_fragments): without it, bench/results.json would lose every figure not re-run."""
import json
from pathlib import Path

from bench.report import TITLES, committed_fragments, render

ROOT = Path(__file__).resolve().parent.parent


def test_each_kept_benchmark_brings_its_figures_and_only_its_own_section():
    figures = json.loads((ROOT / "bench" / "results.json").read_text())
    kept = committed_fragments(list(TITLES))
    assert set(kept) == set(TITLES)
    for name, fragment in kept.items():
        assert fragment["figures"] == [f for f in figures if f["name"].startswith(f"{name}.")]
        assert fragment["figures"], name
        assert fragment["section"].startswith(f"## {TITLES[name]}\n")
        others = [title for other, title in TITLES.items() if other != name]
        assert not any(f"## {title}\n" in fragment["section"] for title in others), name
        assert "## Analysis" not in fragment["section"]


def test_a_kept_section_is_rendered_as_written_and_counted_in_the_summary():
    kept = committed_fragments(["expiry"])
    info = {"date_utc": "now", "nproc": 2, "cpu": "x", "memory": "m", "load_before": "0", "postgresql": "pg",
            "postgresql_settings": "", "redis": "r", "python": "p", "wrk": "w"}
    report = render(info, kept, {})
    assert kept["expiry"]["section"] in report
    met = sum(1 for f in kept["expiry"]["figures"] if f["pass"] is True)
    assert f"{met} targets met" in report
