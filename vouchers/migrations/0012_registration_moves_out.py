"""Registration and qualification moved to the registration app: removed from this app's state only (the tables are
registration's now, under their old names); the vouchers' and deductions' qualification points at registration's."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registration', '0001_initial'),
        ('vouchers', '0011_fund_guard_off_hot_row'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(
                name='AboveScaleEntry',
            ),
            migrations.RemoveField(
                model_name='changereport',
                name='organisation',
            ),
            migrations.RemoveField(
                model_name='changereport',
                name='qualification',
            ),
            migrations.RemoveField(
                model_name='changereport',
                name='reported_by',
            ),
            migrations.RemoveField(
                model_name='creditdelisting',
                name='entry',
            ),
            migrations.RemoveField(
                model_name='creditdelisting',
                name='recorded_by',
            ),
            migrations.DeleteModel(
                name='ParkRecognition',
            ),
            migrations.RemoveField(
                model_name='qualification',
                name='organisation',
            ),
            migrations.RemoveField(
                model_name='qualification',
                name='registration',
            ),
            migrations.AlterField(
                model_name='voucher',
                name='qualification',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='vouchers', to='registration.qualification', verbose_name='年度资格'),
            ),
            migrations.AlterField(
                model_name='deduction',
                name='qualification',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deductions', to='registration.qualification', verbose_name='年度资格'),
            ),
            migrations.RemoveField(
                model_name='registrationapplication',
                name='previous_qualification',
            ),
            migrations.RemoveField(
                model_name='registrationapplication',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='registrationapplication',
                name='organisation',
            ),
            migrations.DeleteModel(
                name='SizeThreshold',
            ),
            migrations.DeleteModel(
                name='ChangeReport',
            ),
            migrations.DeleteModel(
                name='CreditListEntry',
            ),
            migrations.DeleteModel(
                name='CreditDelisting',
            ),
            migrations.DeleteModel(
                name='Qualification',
            ),
            migrations.DeleteModel(
                name='RegistrationApplication',
            ),
        ]),
    ]
