"""Indexes for the bureau dashboard's date ranges (issue 9): the dashboard now filters vouchers by claimed_at,
deductions by created_at and orders by signed_at as plain ranges of instants, which these B-tree indexes serve
when the range is a part of the table (a month, or one year among several). Indexes only."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("vouchers", "0005_deduction_guard"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="voucher",
            index=models.Index(fields=["claimed_at"], name="voucher_claimed_at_idx"),
        ),
        migrations.AddIndex(
            model_name="deduction",
            index=models.Index(fields=["created_at"], name="deduction_created_at_idx"),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["signed_at"], name="order_signed_at_idx"),
        ),
    ]
