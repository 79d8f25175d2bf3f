"""Files whose database row never committed (the owner's transaction rolled back after the upload was
stored) are removed once they are a day old. Reads storage listings, so it works on S3 as well."""
from datetime import timedelta

from django.utils import timezone

from hangqifu.core import clock
from hangqifu.core.jobs import periodic_job

from .models import Document

ORPHAN_AGE = timedelta(hours=24)


@periodic_job("documents.purge_orphans")
def purge_orphan_files() -> dict:
    storage = Document._meta.get_field("file").storage
    cutoff = timezone.now() - ORPHAN_AGE  # file times are real times, not business time
    this_year = clock.today().year
    removed = []
    for year in (this_year - 1, this_year):
        folder = f"documents/{year}"
        try:
            _, files = storage.listdir(folder)
        except FileNotFoundError:
            continue
        names = [f"{folder}/{name}" for name in files]
        known = set(Document.objects.filter(file__in=names).values_list("file", flat=True))
        for name in names:
            if name not in known and storage.get_modified_time(name) < cutoff:
                storage.delete(name)
                removed.append(name)
    return {"removed": len(removed)}
