"""Seed the MIIT size standard 工信部联企业〔2011〕300号《中小企业划型标准规定》 (in force 2011-06-18).

Each row: the minimum (inclusive) employees / revenue / total assets an enterprise must ALL reach to be at
least that size; below the small row it is micro. Amounts in yuan (the standard states 万元)."""
from datetime import date
from decimal import Decimal

from django.db import migrations

EFFECTIVE_FROM = date(2011, 6, 18)
SOURCE = "工信部联企业〔2011〕300号"
WAN = Decimal("10000")

# industry: {size_class: (employees_min, revenue_min 万元, total_assets_min 万元)}
STANDARD_2011 = {
    "agriculture": {"large": (None, 20000, None), "medium": (None, 500, None), "small": (None, 50, None)},
    "industry": {"large": (1000, 40000, None), "medium": (300, 2000, None), "small": (20, 300, None)},
    "construction": {"large": (None, 80000, 80000), "medium": (None, 6000, 5000), "small": (None, 300, 300)},
    "wholesale": {"large": (200, 40000, None), "medium": (20, 5000, None), "small": (5, 1000, None)},
    "retail": {"large": (300, 20000, None), "medium": (50, 500, None), "small": (10, 100, None)},
    "transport": {"large": (1000, 30000, None), "medium": (300, 3000, None), "small": (20, 200, None)},
    "warehousing": {"large": (200, 30000, None), "medium": (100, 1000, None), "small": (20, 100, None)},
    "postal": {"large": (1000, 30000, None), "medium": (300, 2000, None), "small": (20, 100, None)},
    "accommodation": {"large": (300, 10000, None), "medium": (100, 2000, None), "small": (10, 100, None)},
    "catering": {"large": (300, 10000, None), "medium": (100, 2000, None), "small": (10, 100, None)},
    "information_transmission": {"large": (2000, 100000, None), "medium": (100, 1000, None),
                                 "small": (10, 100, None)},
    "software_it": {"large": (300, 10000, None), "medium": (100, 1000, None), "small": (10, 50, None)},
    "real_estate_development": {"large": (None, 200000, 10000), "medium": (None, 1000, 5000),
                                "small": (None, 100, 2000)},
    "property_management": {"large": (1000, 5000, None), "medium": (300, 1000, None), "small": (100, 500, None)},
    "leasing_business": {"large": (300, None, 120000), "medium": (100, None, 8000), "small": (10, None, 100)},
    "other": {"large": (300, None, None), "medium": (100, None, None), "small": (10, None, None)},
}


def seed(apps, schema_editor):
    SizeThreshold = apps.get_model("vouchers", "SizeThreshold")
    for industry, rows in STANDARD_2011.items():
        for size_class, (employees, revenue, assets) in rows.items():
            SizeThreshold.objects.update_or_create(
                industry=industry, size_class=size_class, effective_from=EFFECTIVE_FROM,
                defaults={"employees_min": employees,
                          "revenue_min": None if revenue is None else Decimal(revenue) * WAN,
                          "total_assets_min": None if assets is None else Decimal(assets) * WAN,
                          "source": SOURCE},
            )


def unseed(apps, schema_editor):
    apps.get_model("vouchers", "SizeThreshold").objects.filter(effective_from=EFFECTIVE_FROM, source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
