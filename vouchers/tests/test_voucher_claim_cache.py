"""The claim's cache (vouchers/services/voucher_claim_cache.py): the type, batch and fund read from the cache until one of
them changes, and the sold-out flag that refuses a claim without touching the database once the last slot is
committed — and never before."""
import pytest

from hangqifu.core.choices import ServiceCategory
from hangqifu.core.errors import DomainError
from vouchers.models import Voucher, VoucherType
from vouchers.services import voucher_claim_cache
from vouchers.services.voucher_claims import voucher_claim

from .money_factories import open_batch, qualified_buyer

pytestmark = pytest.mark.django_db
OPEN_TIME = "2026-06-01T09:00:00+08:00"


def _claim(user, voucher_type):
    return voucher_claim(actor=user, batch_id=voucher_type.batch_id, voucher_type_id=voucher_type.pk)


def test_the_flag_is_raised_only_after_the_commit_that_takes_the_last_slot(set_clock,
                                                                         django_capture_on_commit_callbacks):
    set_clock(OPEN_TIME)
    voucher_type = open_batch(types=((ServiceCategory.LEGAL, "1000.00", 2),)).voucher_types.get()
    with django_capture_on_commit_callbacks(execute=True):
        _claim(qualified_buyer(), voucher_type)
    assert not voucher_claim_cache.sold_out(voucher_type.pk), "one slot is left"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _claim(qualified_buyer(), voucher_type)
    assert not voucher_claim_cache.sold_out(voucher_type.pk), "not before the last slot's COMMIT"
    for callback in callbacks:
        callback()
    assert voucher_claim_cache.sold_out(voucher_type.pk)


def test_once_sold_out_a_claim_is_refused_without_any_query(set_clock, django_capture_on_commit_callbacks,
                                                             django_assert_max_num_queries):
    set_clock(OPEN_TIME)
    voucher_type = open_batch(types=((ServiceCategory.LEGAL, "1000.00", 1),)).voucher_types.get()
    with django_capture_on_commit_callbacks(execute=True):
        _claim(qualified_buyer(), voucher_type)
    late = qualified_buyer()
    with django_assert_max_num_queries(0), pytest.raises(DomainError) as refused:
        _claim(late, voucher_type)
    assert refused.value.code == "batch_exhausted"


def test_a_claim_that_finds_no_slot_left_raises_the_flag_too(set_clock):
    set_clock(OPEN_TIME)
    voucher_type = open_batch(types=((ServiceCategory.LEGAL, "1000.00", 1),)).voucher_types.get()
    VoucherType.objects.filter(pk=voucher_type.pk).update(remaining=0)  # taken by a claim the cache never saw
    assert not voucher_claim_cache.sold_out(voucher_type.pk)
    with pytest.raises(DomainError) as refused:
        _claim(qualified_buyer(), voucher_type)
    assert refused.value.code == "batch_exhausted"
    assert voucher_claim_cache.sold_out(voucher_type.pk)


def test_editing_the_type_clears_its_flag_and_claims_go_on(set_clock, django_capture_on_commit_callbacks):
    set_clock(OPEN_TIME)
    voucher_type = open_batch(types=((ServiceCategory.LEGAL, "1000.00", 1),)).voucher_types.get()
    with django_capture_on_commit_callbacks(execute=True):
        _claim(qualified_buyer(), voucher_type)
    assert voucher_claim_cache.sold_out(voucher_type.pk)
    voucher_type.refresh_from_db()
    voucher_type.count, voucher_type.remaining = 2, 1
    voucher_type.save()
    assert not voucher_claim_cache.sold_out(voucher_type.pk)
    assert _claim(qualified_buyer(), voucher_type).state == Voucher.State.LIVE


def test_the_snapshot_is_read_once_and_reloaded_after_a_change():
    loads = []

    def load():
        loads.append(1)
        return {"loaded": len(loads)}

    assert voucher_claim_cache.claim_snapshot(987_654, load) == {"loaded": 1}
    assert voucher_claim_cache.claim_snapshot(987_654, load) == {"loaded": 1}, "served from the cache"
    voucher_claim_cache.catalogue_changed()
    assert voucher_claim_cache.claim_snapshot(987_654, load) == {"loaded": 2}, "a change forgets every snapshot"


def test_a_saved_batch_reaches_the_next_claim(set_clock):
    set_clock(OPEN_TIME)
    batch = open_batch(types=((ServiceCategory.LEGAL, "1000.00", 5),))
    voucher_type = batch.voucher_types.get()
    assert _claim(qualified_buyer(), voucher_type).state == Voucher.State.LIVE  # the snapshot is cached
    assert voucher_claim_cache.claim_snapshot(voucher_type.pk, lambda: None).batch.title == batch.title
    batch.title = "2026 第二批（更名）"
    batch.save()
    assert voucher_claim_cache.claim_snapshot(voucher_type.pk, lambda: None) is None, "the change forgot the snapshot"
    assert _claim(qualified_buyer(), voucher_type).state == Voucher.State.LIVE
    assert voucher_claim_cache.claim_snapshot(voucher_type.pk, lambda: None).batch.title == "2026 第二批（更名）"
