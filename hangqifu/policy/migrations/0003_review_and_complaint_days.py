from django.core.validators import MinValueValidator
from django.db import migrations, models


def record_initial_history(apps, schema_editor):
    """Seeded years were created by a data migration, which simple_history does not see: give each its
    first history record so every later change has a predecessor to compare with."""
    PolicyYear = apps.get_model("policy", "PolicyYear")
    Historical = apps.get_model("policy", "HistoricalPolicyYear")
    from django.utils import timezone

    fields = [f.attname for f in PolicyYear._meta.concrete_fields]
    for policy in PolicyYear.objects.all():
        if Historical.objects.filter(id=policy.id).exists():
            continue
        Historical.objects.create(**{name: getattr(policy, name) for name in fields}, history_date=timezone.now(),
                                  history_type="+", history_change_reason="初始参数（数据迁移设立）")


class Migration(migrations.Migration):
    dependencies = [("policy", "0002_seed_policy_years")]

    operations = [
        migrations.AddField(
            model_name="policyyear", name="review_working_days",
            field=models.PositiveSmallIntegerField(default=10, validators=[MinValueValidator(1)],
                                                   verbose_name="注册认定审核期限（工作日）")),
        migrations.AddField(
            model_name="policyyear", name="complaint_working_days",
            field=models.PositiveSmallIntegerField(default=15, validators=[MinValueValidator(1)],
                                                   verbose_name="投诉办结期限（工作日）")),
        migrations.AddField(
            model_name="historicalpolicyyear", name="review_working_days",
            field=models.PositiveSmallIntegerField(default=10, validators=[MinValueValidator(1)],
                                                   verbose_name="注册认定审核期限（工作日）")),
        migrations.AddField(
            model_name="historicalpolicyyear", name="complaint_working_days",
            field=models.PositiveSmallIntegerField(default=15, validators=[MinValueValidator(1)],
                                                   verbose_name="投诉办结期限（工作日）")),
        migrations.RunPython(record_initial_history, migrations.RunPython.noop),
    ]
