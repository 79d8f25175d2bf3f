"""A partial `make bench` re-run on a fresh machine keeps the other benchmarks' figures and sections as committed
(bench/report.py committed_fragments): without it, bench/results.json would lose every figure not re-run. And
RESULTS.md says which run each figure comes from (bench/run.py run_info), however many partial runs came since."""
import json
from pathlib import Path

from bench.report import TITLES, committed_fragments, render
from bench.run import BENCHES, run_info

ROOT = Path(__file__).resolve().parent.parent


def test_each_kept_benchmark_brings_its_figures_and_only_its_own_section():
    figures = json.loads((ROOT / "bench" / "results.json").read_text())
    kept = committed_fragments(list(TITLES))
    assert set(kept) == set(TITLES)
    for name, fragment in kept.items():
        assert fragment["figures"] == [f for f in figures if f"`{f['name']}`" in fragment["section"]]
        assert fragment["figures"], name
        assert fragment["section"].startswith(f"## {TITLES[name]}\n")
        others = [title for other, title in TITLES.items() if other != name]
        assert not any(f"## {title}\n" in fragment["section"] for title in others), name
        assert "## Analysis" not in fragment["section"]
    # every committed figure is kept, by exactly one benchmark (claim_open_loop.* by the claim rush)
    assert sorted(f["name"] for fragment in kept.values() for f in fragment["figures"]) == sorted(
        f["name"] for f in figures)
    assert any(f["name"].startswith("claim_open_loop.") for f in kept["claim_rush"]["figures"])


def test_a_kept_section_is_rendered_as_written_and_counted_in_the_summary():
    kept = committed_fragments(["expiry"])
    info = {"date_utc": "now", "nproc": 2, "cpu": "x", "memory": "m", "load_before": "0", "postgresql": "pg",
            "postgresql_settings": "", "redis": "r", "python": "p", "wrk": "w"}
    report = render(info, kept, {})
    assert kept["expiry"]["section"] in report
    met = sum(1 for f in kept["expiry"]["figures"] if f["pass"] is True)
    assert f"{met} targets met" in report


def _ran(when: str, seconds: dict) -> dict:
    return {"date_utc": when, "load_before": f"load at {when}", "bench_seconds": seconds,
            "total_seconds": sum(seconds.values())}


OTHERS = [name for name in BENCHES if name != "claim_rush"]


def test_a_partial_run_on_a_fresh_machine_names_what_stays_as_committed():
    info = run_info(_ran("15:15", {"claim_rush": 1150}), only=["claim_rush"], earlier=None, kept_as_committed=OTHERS)
    assert (info["date_utc"], info["total_seconds"]) == ("15:15", 1150)
    assert info["rerun"] == (f"claim_rush re-run at 15:15 (load before: load at 15:15); {', '.join(OTHERS)} as "
                             "committed before, from their own run")


def test_a_second_partial_run_that_replaces_every_figure_speaks_for_itself():
    first = run_info(_ran("15:15", {"claim_rush": 1150}), only=["claim_rush"], earlier=None, kept_as_committed=OTHERS)
    second = run_info(_ran("15:51", {"claim_rush": 1170}), only=["claim_rush"], earlier=first, kept_as_committed=[])
    assert (second["date_utc"], second["total_seconds"], second["bench_seconds"]) == ("15:51", 1170,
                                                                                      {"claim_rush": 1170})
    assert second["rerun"].startswith("claim_rush re-run at 15:51 (load before: load at 15:51); ")
    assert "15:15" not in second["rerun"] and second["kept_as_committed"] == OTHERS


def test_a_partial_run_beside_an_earlier_one_keeps_its_date_and_adds_its_time():
    full = _ran("13:16", dict.fromkeys(BENCHES, 100))
    after_full = run_info(_ran("15:00", {"expiry": 50}), only=["expiry"], earlier=full, kept_as_committed=[])
    assert (after_full["date_utc"], after_full["total_seconds"]) == ("13:16", 650)
    assert after_full["bench_seconds"]["expiry"] == 50
    assert after_full["rerun"] == "expiry re-run at 15:00 (load before: load at 15:00)"

    first = run_info(_ran("15:15", {"claim_rush": 1150}), only=["claim_rush"], earlier=None, kept_as_committed=OTHERS)
    then = run_info(_ran("16:30", {"expiry": 50}), only=["expiry"], earlier=first, kept_as_committed=[])
    assert (then["date_utc"], then["total_seconds"]) == ("15:15", 1200)
    assert "expiry" not in then["kept_as_committed"]
    assert then["rerun"].startswith("claim_rush re-run at 15:15 (load before: load at 15:15); expiry re-run at 16:30")


def test_a_whole_run_is_its_own_record():
    full = _ran("13:16", dict.fromkeys(BENCHES, 100))
    assert run_info(full, only=BENCHES, earlier=_ran("12:00", {"expiry": 1}), kept_as_committed=[]) is full
