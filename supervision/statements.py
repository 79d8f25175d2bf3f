"""The supervision statements whose SQL differs between PostgreSQL and SQLite, one function each, both variants
side by side (see vouchers/statements.py for the rule). Services never ask which database they run on."""
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import connection

from .models import DashboardMonth

# One row per group of the rolled months' figures: (kind, key 1, key 2, count 1, amount, count 2, count 3).
#   v: vouchers by category and district (claimed, face, used, expired)   d: deducted by category and district
#   r: redemption claims by state (count, amount)   p: providers (orders, volume, rated, satisfied)
#   c: complaints by state   s: the year's fund spent, by month number
_ROLLED_SQL = """
WITH m AS (SELECT month, figures FROM {table} WHERE month = ANY(%(months)s))
SELECT 'v', c->>'category', c->>'organisation__district', sum((c->>'claimed')::bigint)::bigint, sum((c->>'face')::numeric),
       sum((c->>'used')::bigint)::bigint, sum((c->>'expired')::bigint)::bigint
  FROM m, jsonb_array_elements(m.figures->'vouchers') c GROUP BY 2, 3
UNION ALL
SELECT 'd', c->>'voucher__category', c->>'organisation__district', NULL, sum((c->>'s')::numeric), NULL, NULL
  FROM m, jsonb_array_elements(m.figures->'deducted') c GROUP BY 2, 3
UNION ALL
SELECT 'r', r.key, NULL, sum((r.value->>0)::bigint)::bigint, sum((r.value->>1)::numeric), NULL, NULL
  FROM m, jsonb_each(m.figures->'redemptions') r GROUP BY 2
UNION ALL
SELECT 'p', p.key, NULL, sum((p.value->>0)::bigint)::bigint, sum((p.value->>1)::numeric), sum((p.value->>2)::bigint)::bigint,
       sum((p.value->>3)::bigint)::bigint
  FROM m, jsonb_each(m.figures->'providers') p GROUP BY 2
UNION ALL
SELECT 'c', c.key, NULL, sum((c.value #>> '{}')::bigint)::bigint, NULL, NULL, NULL
  FROM m, jsonb_each(m.figures->'complaints') c GROUP BY 2
UNION ALL
SELECT 's', extract(month FROM f.month)::int::text, NULL, NULL, sum((f.figures->'spent'->>%(year)s)::numeric), NULL, NULL
  FROM {table} f
  WHERE f.month = ANY(%(fund_months)s) AND f.figures->'spent'->>%(year)s IS NOT NULL GROUP BY 2
"""


def rolled_month_sums(months: list[date], fund_months: list[date], year: int) -> Iterable[tuple]:
    """The closed months' rollup figures summed per group, as rows (see above). PostgreSQL sums the stored JSON
    in one statement, so the dashboard's cost does not grow with the months rolled; SQLite (`make run`) has no
    jsonb functions, so the months are read and summed here, in Decimal, to the same rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(DashboardMonth._meta.db_table)
            cursor.execute(_ROLLED_SQL.replace("{table}", table),
                           {"months": months, "fund_months": fund_months, "year": str(year)})
            return cursor.fetchall()
    return _summed_here(months, fund_months, year)


def _summed_here(months: list[date], fund_months: list[date], year: int) -> list[tuple]:
    figures = dict(DashboardMonth.objects.filter(month__in={*months, *fund_months}).values_list("month", "figures"))
    groups: dict[tuple, list] = {}

    def add(key: tuple, *values) -> None:
        totals = groups.setdefault(key, [None] * len(values))
        for i, value in enumerate(values):
            if value is not None:
                totals[i] = value if totals[i] is None else totals[i] + value

    money = lambda value: None if value is None else Decimal(value)  # noqa: E731
    for month in months:
        f = figures[month]
        for c in f["vouchers"]:
            add(("v", c["category"], c["organisation__district"]), c["claimed"], money(c["face"]), c["used"],
                c["expired"])
        for c in f["deducted"]:
            add(("d", c["voucher__category"], c["organisation__district"]), None, money(c["s"]), None, None)
        for state, (n, amount) in f["redemptions"].items():
            add(("r", state, None), n, money(amount), None, None)
        for pk, (n, volume, rated, satisfied) in f["providers"].items():
            add(("p", pk, None), n, money(volume), rated, satisfied)
        for state, n in f["complaints"].items():
            add(("c", state, None), n, None, None, None)
    for month in fund_months:
        amount = figures[month]["spent"].get(str(year))
        if amount is not None:
            add(("s", str(month.month), None), None, money(amount), None, None)
    return [(*key, *values) for key, values in groups.items()]
