from datetime import date

from django.db import migrations


def seed(apps, schema_editor):
    PolicyYear = apps.get_model("policy", "PolicyYear")
    for year in (2026, 2027, 2028):
        PolicyYear.objects.get_or_create(
            year=year,
            defaults={
                "policy_valid_from": date(2026, 5, 3),
                "policy_valid_until": date(2028, 12, 31),
                # (our reading) next year's re-review opens on 1 December.
                "rereview_opens_on": date(year, 12, 1),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
