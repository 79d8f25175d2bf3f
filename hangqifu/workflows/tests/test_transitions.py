"""The one transition helper: who (403) before where (409) before the rule (the condition's code), then the
step saved with every changed field and its audit event written in the same transaction."""
import pytest

from hangqifu.audit.models import AuditEvent
from hangqifu.accounts.roles import Role
from hangqifu.core.errors import InvalidTransition, NotPermitted, RuleViolation
from hangqifu.workflows.transitions import fire, transition_check, transition_refusal
from vouchers.models import IssuanceBatch, Order
from vouchers.tests.money_factories import bureau_user, open_batch, order_in_state, provider_user, qualified_buyer

pytestmark = pytest.mark.django_db


def _events(obj, action):
    return AuditEvent.objects.filter(object_type=obj._meta.model_name, object_id=str(obj.pk), action=action)


def test_a_party_the_transition_does_not_admit_gets_403_whatever_the_state(make_user):
    # given a batch already closed: neither `open` nor `close` can fire from here
    batch = open_batch(state=IssuanceBatch.State.CLOSED)
    buyer = make_user(role=Role.ENTERPRISE)
    # when / then: a buyer may never open a batch → 403, not a hint about the state
    with pytest.raises(NotPermitted) as refused:
        fire(batch, "open", actor=buyer, action="batch.open")
    assert refused.value.status == 403 and refused.value.code == "permission_denied"
    # and the bureau, who may open batches, learns the state does not allow it → 409
    with pytest.raises(InvalidTransition) as wrong_state:
        fire(batch, "open", actor=bureau_user(), action="batch.open")
    assert wrong_state.value.status == 409 and wrong_state.value.code == "invalid_transition"
    assert IssuanceBatch.objects.get(pk=batch.pk).state == IssuanceBatch.State.CLOSED
    assert not _events(batch, "batch.open").exists()


def test_an_anonymous_or_missing_actor_is_refused_unless_the_step_is_the_systems():
    batch = open_batch(state=IssuanceBatch.State.DRAFT)
    with pytest.raises(NotPermitted):
        transition_check(batch, "open", actor=None)
    assert transition_refusal(batch, "open", actor=None, system=True) is None


def test_who_is_read_from_the_object_the_provider_of_another_order_gets_403():
    # given a cancelled order: `complete` is declared only from `signed`
    buyer, provider = qualified_buyer(), provider_user()
    order = order_in_state(buyer, provider, "cancelled")
    stranger = provider_user()
    # then: a provider of another organisation may not complete it in any state (403) …
    with pytest.raises(NotPermitted):
        transition_check(order, "complete", actor=stranger)
    # … the order's own provider may, but not from `cancelled` (409)
    with pytest.raises(InvalidTransition):
        transition_check(order, "complete", actor=provider)


def test_an_unmet_condition_gives_its_own_code_after_who_and_where():
    # given a signed order whose buyer has not uploaded the stamped commitment letter (第十条)
    buyer, provider = qualified_buyer(), provider_user()
    order = order_in_state(buyer, provider, "signed")
    # when the provider confirms completion
    with pytest.raises(RuleViolation) as unmet:
        fire(order, "complete", actor=provider, action="order.complete")
    # then the condition's code (409), nothing saved, nothing audited
    assert unmet.value.code == "commitment_letter_missing" and unmet.value.status == 409
    assert Order.objects.get(pk=order.pk).state == Order.State.SIGNED
    assert not _events(order, "order.complete").exists()
    # and the wrong party is still told 403 first, not the rule
    with pytest.raises(NotPermitted):
        fire(order, "complete", actor=buyer, action="order.complete")


def test_fire_saves_the_state_the_fields_the_method_set_and_the_changes_then_audits():
    # given a draft batch and the bureau
    batch = open_batch(state=IssuanceBatch.State.DRAFT)
    bureau = bureau_user()
    # when the bureau opens it, renaming it in the same step
    left = fire(batch, "open", actor=bureau, action="batch.open", changes={"title": "2026 第一批"},
                payload={"note": "测试"})
    # then the state, the time the transition method set, and the change are in the database
    assert left == IssuanceBatch.State.DRAFT
    saved = IssuanceBatch.objects.get(pk=batch.pk)
    assert saved.state == IssuanceBatch.State.OPEN
    assert saved.opened_at is not None and saved.opened_at == batch.opened_at
    assert saved.title == "2026 第一批"
    # and one audit event names the actor, both states and the payload
    event = _events(batch, "batch.open").get()
    assert (event.actor_id, event.from_state, event.to_state) == (bureau.pk, "draft", "open")
    assert event.payload == {"note": "测试"}


def test_a_system_step_skips_who_but_not_where():
    batch = open_batch(state=IssuanceBatch.State.OPEN)
    fire(batch, "close", actor=None, system=True, action="batch.close")
    assert IssuanceBatch.objects.get(pk=batch.pk).state == IssuanceBatch.State.CLOSED
    assert _events(batch, "batch.close").get().actor_id is None
    with pytest.raises(InvalidTransition):
        fire(batch, "close", actor=None, system=True, action="batch.close")


def test_the_api_keeps_the_rule_403_before_409(api_as, make_user):
    batch = open_batch(state=IssuanceBatch.State.CLOSED)
    refused = api_as(make_user(role=Role.ENTERPRISE)).post(f"/api/v1/batches/{batch.pk}/open/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    wrong_state = api_as(bureau_user()).post(f"/api/v1/batches/{batch.pk}/open/", {}, format="json")
    assert wrong_state.status_code == 409 and wrong_state.json()["code"] == "invalid_transition"


def test_the_actions_offered_are_the_transitions_the_user_may_fire_now(make_user):
    from hangqifu.workflows.transitions import action_offers, available_actions

    draft = open_batch(state=IssuanceBatch.State.DRAFT)
    bureau = bureau_user()
    # the bureau may open a draft batch; a buyer or an anonymous visitor is offered nothing
    assert available_actions(draft, bureau) == ["open"] and action_offers(draft, bureau) == {"open": ""}
    assert available_actions(draft, make_user(role=Role.ENTERPRISE)) == []
    assert available_actions(draft, None) == []
    # once open, what is offered follows the new state
    fire(draft, "open", actor=bureau, action="batch.open")
    assert available_actions(draft, bureau) == ["close"]
