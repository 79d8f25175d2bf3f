"""The set-based counterpart of `fire`: the states come from the model's declaration, only a system transition
may move a set, and each row moved gets the transition-log row `fire` would write."""
import pytest
from django_fsm_log.models import StateLog

from hangqifu.notices.models import NoticeItem
from hangqifu.workflows.set_based import declared_move, state_log_rows
from redemption.models import RedemptionClaim
from vouchers.models import IssuanceBatch, Voucher
from vouchers.tests.money_factories import claimed_voucher, open_batch, qualified_buyer

pytestmark = pytest.mark.django_db


def test_the_states_of_a_set_based_step_are_those_its_transition_declares():
    assert declared_move(Voucher, "expire") == (("live",), "expired")
    assert declared_move(Voucher, "void") == (("live",), "voided")
    assert declared_move(NoticeItem, "clear") == (("listed", "held"), "cleared")
    assert declared_move(RedemptionClaim, "enter_settlement") == (("approved",), "in_settlement")


def test_a_step_a_person_decides_cannot_be_fired_for_a_set():
    with pytest.raises(TypeError, match="not a system transition"):
        declared_move(IssuanceBatch, "open")  # the bureau's decision, with its permission check: `fire` only
    with pytest.raises(TypeError, match="not a transition"):
        declared_move(Voucher, "is_usable")


def test_each_row_gets_the_log_row_fire_would_write_from_its_own_state_or_the_one_it_left(set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    batch = open_batch()
    ids = [claimed_voucher(qualified_buyer(), batch).pk for _ in range(2)]
    # before the UPDATE the source is read from the row; after it, the caller names the state the rows left
    assert state_log_rows(Voucher, "expire", where="id = %s", params=[ids[0]]) == 1
    Voucher.objects.filter(pk=ids[1]).update(state=Voucher.State.VOIDED)
    assert state_log_rows(Voucher, "void", where="id = %s", params=[ids[1]], source=Voucher.State.LIVE) == 1

    assert sorted(StateLog.objects.values_list("object_id", "transition", "source_state", "state", "by")) == [
        (ids[0], "expire", "live", "expired", None), (ids[1], "void", "live", "voided", None)]
