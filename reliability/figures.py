"""Recording the figures of the reliability checks. `record()` appends one measurement to the results file
when `make reliability` runs (RELIABILITY_RESULTS is set); in the normal suite it does nothing."""
import json
import os
from pathlib import Path


def results_path() -> Path | None:
    value = os.environ.get("RELIABILITY_RESULTS")
    return Path(value) if value else None


def record(name: str, *, tried: int, held: int, unit: str = "", detail: str = "") -> None:
    path = results_path()
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"name": name, "tried": int(tried), "held": int(held), "unit": unit,
                              "detail": detail}, ensure_ascii=False) + "\n")


def scale(name: str, default: int) -> int:
    """Sizes of the long checks, overridable from the environment (RELIABILITY_SEEDS=…)."""
    return int(os.environ.get(f"RELIABILITY_{name.upper()}", default))
