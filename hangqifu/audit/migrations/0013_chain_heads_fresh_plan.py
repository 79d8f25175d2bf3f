"""audit_chain_heads (0008) plans its head look-up afresh on every call (PostgreSQL). PL/pgSQL keeps a statement's
plan for the life of the connection, and after a few calls settles on a generic plan costed for the table as it
was then: a worker whose first appends met a nearly empty trail kept scanning the whole table for each chain
head once it had grown (0.5 s a call at 100,000 events, where the (chain, id) index answers in a millisecond).
A custom plan sees the table's current size each time; planning the one-row look-up costs microseconds."""
from django.db import migrations


def plan_cache_mode(setting: str):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":  # SQLite has no functions to plan
            schema_editor.execute(f"ALTER FUNCTION audit_chain_heads(integer[]) {setting};", params=None)
    return alter


class Migration(migrations.Migration):
    dependencies = [("audit", "0012_sanctions_and_supervision_moved_out")]
    operations = [migrations.RunPython(plan_cache_mode("SET plan_cache_mode = force_custom_plan"),
                                       plan_cache_mode("RESET plan_cache_mode"))]
