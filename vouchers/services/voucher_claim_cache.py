"""What a claim reads before its transaction, from the cache: at 9:00 every firm's claim reads the same batch,
voucher type and fund, which do not change while the batch is open except the type's `remaining` (taken by
the claim transaction itself, under its own conditional UPDATE). So:

- the type with its batch and the year's fund (`claim_snapshot`) is cached under a catalogue version that
  every save of a voucher type, a batch or a fund bumps (at once and again after COMMIT, so no reader keeps
  what it read before the change committed). Its `remaining` may be stale; nothing decides on it: the claim
  transaction checks the fund, the batch's window and the slot again under its locks;
- the sold-out flag (`sold_out`) is set after the commit that took a type's last slot, or when the slot
  UPDATE finds none left; from then on a claim of that type is refused `batch_exhausted` before any database
  work. The database stays the only authority on winners: the flag only ever says what a committed slot
  UPDATE said (remaining = 0), and only an edit of the type (a save, which clears it) can raise `remaining`.

The cache is the portal's Redis in production (shared by every web node), so one node's commit answers the
others' refusals too. Restoring the database from a backup therefore means clearing the cache with it (as for
the sessions): a flag raised after the backup was taken would refuse claims the restored database accepts."""
import time

from django.core.cache import cache
from django.db import transaction

from hangqifu.core import admission

from ..models.funds import Fund, IssuanceBatch, VoucherType

VERSION_KEY = "vouchers:claim-catalogue:version"
SNAPSHOT_SECONDS = 600
SOLD_OUT_SECONDS = 7 * 24 * 3600


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:  # first use or evicted: a fresh number, never one an old snapshot was stored under
        cache.add(VERSION_KEY, time.time_ns(), None)
        version = cache.get(VERSION_KEY)
    return version


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # missing: start from a number no earlier version used
        cache.set(VERSION_KEY, time.time_ns(), None)


def catalogue_changed() -> None:
    """A voucher type, batch or fund changed: forget every snapshot, now and once the change commits."""
    _bump()
    transaction.on_commit(_bump)


def claim_snapshot(type_id: int, load):
    """The cached `load()` for this type (a VoucherType with its batch and fund annotations), or `load()`'s
    result, cached when it is not None."""
    key = f"vouchers:claim-type:{_version()}:{type_id}"
    snapshot = cache.get(key)
    if snapshot is None:
        snapshot = load()
        if snapshot is not None:
            cache.set(key, snapshot, SNAPSHOT_SECONDS)
    return snapshot


def _sold_out_key(type_id) -> str:
    return f"vouchers:sold-out:{type_id}"


def sold_out(type_id) -> bool:
    return bool(cache.get(_sold_out_key(type_id)))


def mark_sold_out(type_id: int) -> None:
    cache.set(_sold_out_key(type_id), 1, SOLD_OUT_SECONDS)


def mark_sold_out_after_commit(type_id: int) -> None:
    transaction.on_commit(lambda: mark_sold_out(type_id))


def forget_types(type_ids) -> None:
    """Voucher types were created or edited: their sold-out flags go, and every snapshot with them."""
    cache.delete_many([_sold_out_key(type_id) for type_id in type_ids])
    catalogue_changed()


def on_type_saved(sender, instance, **kwargs) -> None:
    forget_types([instance.pk])


def on_catalogue_saved(sender, instance, **kwargs) -> None:
    catalogue_changed()


def connect() -> None:
    """Wire the invalidation to the models and the sold-out flag to the claim admission (vouchers.apps)."""
    from django.db.models.signals import post_delete, post_save

    for signal in (post_save, post_delete):
        signal.connect(on_type_saved, sender=VoucherType, dispatch_uid=f"claim-cache-type-{signal}")
        for model in (IssuanceBatch, Fund):
            signal.connect(on_catalogue_saved, sender=model, dispatch_uid=f"claim-cache-{model.__name__}-{signal}")
    admission.register_sold_out_check(sold_out)
