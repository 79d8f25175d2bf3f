"""The moved models' content types follow them: the rows of vouchers.<model> are relabelled registration.<model>, so
the documents and notice items attached to applications, qualifications and change reports (generic relations by
content type) and the permissions granted on them keep pointing at the same rows. A new database has no such rows
yet (content types are created after migrating): nothing to do there."""
from django.db import migrations

MOVED = ["abovescaleentry", "changereport", "creditdelisting", "creditlistentry", "parkrecognition", "qualification",
         "registrationapplication", "sizethreshold"]


def relabel(apps, schema_editor, *, old: str, new: str):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(ContentType.objects.using(db).filter(app_label=new, model__in=MOVED).values_list("model", flat=True))
    ContentType.objects.using(db).filter(app_label=old, model__in=set(MOVED) - taken).update(app_label=new)


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("registration", "0001_initial"),
        ("vouchers", "0012_registration_moves_out"),
    ]

    operations = [
        migrations.RunPython(lambda apps, editor: relabel(apps, editor, old="vouchers", new="registration"),
                             lambda apps, editor: relabel(apps, editor, old="registration", new="vouchers")),
    ]
