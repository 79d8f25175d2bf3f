"""A chain check, once written, cannot be changed or removed (PostgreSQL): its stored chain heads are what the
next check compares against, so editing or deleting them would hide a truncated chain. The same guard as the
audit events' (0002), with its own function so its message names this table."""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_chaincheck_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_chaincheck is append-only (% refused)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_chaincheck_append_only BEFORE UPDATE OR DELETE ON audit_chaincheck
    FOR EACH ROW EXECUTE FUNCTION audit_chaincheck_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_chaincheck_append_only ON audit_chaincheck;
DROP FUNCTION IF EXISTS audit_chaincheck_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0009_chaincheck_heads")]
    operations = [migrations.RunPython(forwards, backwards)]
