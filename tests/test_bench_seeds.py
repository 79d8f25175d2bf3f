"""The benchmarks and reliability checks seed their data with hand-written SQL (seconds for 100,000 rows instead of
minutes through the ORM). A migration that adds a NOT NULL column without a database default breaks such a seed
only when `make bench` runs; this test reads every seed INSERT and fails at once on a required column it leaves out."""
import re
from pathlib import Path

from django.apps import apps
from django.db.models.fields import NOT_PROVIDED

ROOT = Path(__file__).resolve().parent.parent
SEED_FILES = sorted([*ROOT.glob("bench/*.py"), *ROOT.glob("bench/sql/*.sql"), *ROOT.glob("reliability/*.py")])
INSERT = re.compile(r"INSERT INTO (\w+)\s*\(([^)]*)\)", re.IGNORECASE)


def _required_columns() -> dict[str, set[str]]:
    """Per table, the columns an INSERT must name: NOT NULL and no default in the database."""
    required = {}
    for model in apps.get_models():
        columns = {field.column for field in model._meta.concrete_fields
                   if not field.null and field.db_default is NOT_PROVIDED and not field.primary_key}
        required[model._meta.db_table] = columns
    return required


def _seed_inserts():
    for path in SEED_FILES:
        for match in INSERT.finditer(path.read_text()):
            # a column list may run over several Python string literals: keep each item's last word
            columns = {re.findall(r"\w+", column)[-1] for column in match.group(2).split(",") if re.search(r"\w", column)}
            yield path.relative_to(ROOT), match.group(1), columns


def test_the_seeds_are_read():
    tables = {table for _path, table, _columns in _seed_inserts()}
    assert {"providers_product", "vouchers_voucher", "vouchers_order"} <= tables


def test_every_seed_insert_names_each_required_column():
    required = _required_columns()
    missing = []
    for path, table, columns in _seed_inserts():
        left_out = required.get(table, set()) - columns
        if left_out:
            missing.append(f"{path}: INSERT INTO {table} leaves out {sorted(left_out)}")
    assert not missing, "\n".join(missing)
