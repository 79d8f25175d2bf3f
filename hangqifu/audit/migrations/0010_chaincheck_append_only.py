"""A chain check, once written, cannot be changed or removed (PostgreSQL): its stored chain heads are what the
next check compares against, so editing or deleting them would hide a truncated chain. The audit events' guard
(0002) is made to name the table it refuses for, and guards this table too."""
from django.db import migrations

GENERIC = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_chaincheck_append_only BEFORE UPDATE OR DELETE ON audit_chaincheck
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""
EVENTS_ONLY = """
DROP TRIGGER IF EXISTS audit_chaincheck_append_only ON audit_chaincheck;
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditevent is append-only (% refused)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GENERIC, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(EVENTS_ONLY, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0009_chaincheck_heads")]
    operations = [migrations.RunPython(forwards, backwards)]
