"""2029: the year after the measures end (第二十二条, in force to 2028-12-31). Nothing new can start in it — the
recorded period refuses qualifications, batches, claims, orders and deductions — but redemption, settlement and
payment of what was deducted inside the period go on, and they read the year's parameters (notice length,
provider cap): the same defaults as the policy years, editable by the bureau."""
from datetime import date

from django.db import migrations


def seed(apps, schema_editor):
    PolicyYear = apps.get_model("policy", "PolicyYear")
    PolicyYear.objects.get_or_create(year=2029, defaults={"policy_valid_from": date(2026, 5, 3),
                                                          "policy_valid_until": date(2028, 12, 31)})


class Migration(migrations.Migration):
    dependencies = [("policy", "0004_limits_and_min_ratings")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
