from django.db import migrations


class Migration(migrations.Migration):
    """django-rest-knox's migrations create its own token table even when KNOX_TOKEN_MODEL points elsewhere
    (they predate swapping). accounts.ApiToken is the token model; the unused table is dropped, or its foreign
    key to the users would block truncating them (test flushes) and it could only ever mislead."""

    dependencies = [
        ("accounts", "0002_api_tokens"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS knox_authtoken", reverse_sql=migrations.RunSQL.noop),
    ]
