"""The audit trail as CHAINS independent hash chains (hangqifu/audit/chain.py): every chain verifies on its own, a bad
event is reported with its chain, no chain forks, appends on different chains do not wait for each other,
appends on one chain still serialise, and the bulk append writes what single appends would."""
import hashlib
import json
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.urls import reverse

from hangqifu.accounts.models import Organisation, User
from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import OrganisationFactory
from hangqifu.audit import services
from hangqifu.audit.chain import CHAINS, GENESIS, digest_of, event_digest, genesis, verify_chains
from hangqifu.audit.models import AuditEvent, ChainCheck
from hangqifu.audit.services import audit_record, audit_record_many
from hangqifu.audit_browser.verification import chain_check_daily, chain_check_run
from hangqifu.core.context import current_ip
from hangqifu.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _org_on(chain: int) -> Organisation:
    """A fresh organisation whose events go to `chain` (ids are sequential: at most CHAINS tries)."""
    for _ in range(CHAINS):
        org = OrganisationFactory()
        if org.pk % CHAINS == chain:
            return org
    raise AssertionError(f"no organisation on chain {chain}")


def _as_superuser(sql: str, params: list) -> None:
    """One statement past the append-only trigger, as an attacker with database access could (SQLite has none)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _tamper(event_id: int, payload: dict) -> None:
    _as_superuser("UPDATE audit_auditevent SET payload = %s WHERE id = %s", [json.dumps(payload), event_id])


def test_genesis_values_are_fixed_and_distinct():
    values = {genesis(chain) for chain in range(4 * CHAINS)}
    assert len(values) == 4 * CHAINS and genesis(0) == GENESIS
    assert genesis(3) == hashlib.sha256(b"hangqifu.audit.chain:3").hexdigest()


def test_chain_0_digest_is_the_original_one():
    """Events written before the split are chain 0 and must keep verifying: same canonical form."""
    when = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    fields = dict(occurred_at=when, business_time=when, actor_id=7, organisation_id=None, action="x.y",
                  object_type="voucher", object_id="12", from_state="a", to_state="b", payload={"k": "1.00"},
                  ip="10.0.0.1")
    original = json.dumps(["0" * 64, when.isoformat(), when.isoformat(), 7, None, "x.y", "voucher", "12", "a", "b",
                           {"k": "1.00"}, "10.0.0.1"], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert event_digest(prev_hash="0" * 64, **fields) == hashlib.sha256(original.encode()).hexdigest()
    assert event_digest(prev_hash="0" * 64, chain=0, **fields) == hashlib.sha256(original.encode()).hexdigest()
    # on other chains the chain number is part of the digest
    assert event_digest(prev_hash="0" * 64, chain=5, **fields) != event_digest(prev_hash="0" * 64, **fields)


# Each append its own transaction (as the portal's writes are): in one transaction an event whose chain is below
# a chain the transaction already holds goes to that higher chain (lock order, see migration 0008).
@pytest.mark.django_db(transaction=True)
def test_mixed_appends_across_organisations_form_one_valid_chain_each(capsys):
    orgs = [_org_on(3), _org_on(5), _org_on(3)]
    events = [audit_record(action=f"test.{i}", organisation=orgs[i % 3], payload={"i": i}) for i in range(9)]
    events += [audit_record(action="test.none", payload={"no": "organisation"})]
    assert [e.chain for e in events] == [3, 5, 3] * 3 + [0]
    by_chain = {}
    for event in events:
        assert event.prev_hash == by_chain.get(event.chain, genesis(event.chain))
        by_chain[event.chain] = event.hash
    result = verify_chains(AuditEvent.objects.all())
    assert result.ok and result.checked == 10
    assert {k: (r.checked, r.head) for k, r in result.chains.items()} == {
        0: (1, by_chain[0]), 3: (6, by_chain[3]), 5: (3, by_chain[5])}
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "审计链完整：共 10 条事件" in out and f"链 3：6 条，末哈希 {by_chain[3]}" in out


@pytest.mark.django_db(transaction=True)
def test_a_tampered_event_is_reported_with_its_chain_and_id():
    org3, org5 = _org_on(3), _org_on(5)
    events = [audit_record(action=f"test.{i}", organisation=org3 if i % 2 else org5, payload={"i": i})
              for i in range(6)]
    victim = events[3]  # chain 3, its second event
    assert victim.chain == 3
    _tamper(victim.pk, {"i": 99})
    result = verify_chains(AuditEvent.objects.all())
    assert [(r.chain, r.broken_id, r.checked) for r in result.broken] == [(3, victim.pk, 1)]
    assert result.chains[5].broken_id is None and result.chains[5].checked == 3  # the other chain still verifies
    assert result.broken_id == victim.pk and result.checked == 4
    with pytest.raises(CommandError, match=f"审计链 3 在事件 #{victim.pk} 处校验失败（此前 1 条正常）"):
        call_command("verify_audit")


def test_an_event_moved_to_another_chain_breaks_verification():
    org3, org5 = _org_on(3), _org_on(5)
    audit_record(action="a", organisation=org3)
    moved = audit_record(action="b", organisation=org3)
    audit_record(action="c", organisation=org5)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("UPDATE audit_auditevent SET chain = 5 WHERE id = %s", [moved.pk])
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    else:
        AuditEvent.objects.filter(pk=moved.pk).update(chain=5)
    assert verify_chains(AuditEvent.objects.all()).broken_id == moved.pk


def test_the_staff_check_and_the_alert_name_the_broken_chain(make_user):
    bureau = make_user(role=Role.BUREAU)
    org2, org9 = _org_on(2), _org_on(9)
    audit_record(action="fine", organisation=org2)
    victim = audit_record(action="victim", organisation=org9)
    audit_record(action="after", organisation=org9)
    _tamper(victim.pk, {"forged": True})
    check = chain_check_run(actor=make_user(role=Role.SERVICE_CENTER))
    assert not check.ok and check.broken_event_id == victim.pk and check.events_checked == 1
    assert [(k, r.checked, r.broken_id) for k, r in check.chains.items()] == [(2, 1, None), (9, 0, victim.pk)]
    alert = Notification.objects.get(user=bureau, subject__startswith="审计链校验失败")
    assert f"链 9 在事件 #{victim.pk} 处" in alert.body


def test_the_api_shows_each_events_chain(make_user, api_as):
    event = audit_record(action="x", organisation=_org_on(11))
    rows = api_as(make_user(role=Role.SERVICE_CENTER)).get("/api/v1/audit-events/").json()["results"]
    assert [(row["id"], row["chain"], row["prev_hash"]) for row in rows] == [(event.pk, 11, genesis(11))]


def test_an_append_is_two_statements_and_reads_the_organisation_from_the_foreign_key(make_user,
                                                                                      django_assert_num_queries):
    """Lock + chain head in one round trip, then the INSERT; no savepoint inside the caller's transaction and no
    query for the object's organisation."""
    user = User.objects.get(pk=make_user(role=Role.ENTERPRISE).pk)  # its organisation not loaded
    with transaction.atomic(), django_assert_num_queries(2):
        event = audit_record(actor=user, action="x", obj=user)
    assert event.organisation_id == user.organisation_id and event.chain == user.organisation_id % CHAINS


def test_no_chain_can_fork():
    org = _org_on(4)
    first = audit_record(action="first", organisation=org)
    second = audit_record(action="second", organisation=org)
    assert first.prev_hash == genesis(4) and second.prev_hash == first.hash
    for prev in (genesis(4), first.hash):  # a second "first event", a second successor of `first`
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditEvent.objects.create(chain=4, prev_hash=prev, hash="f" * 64, occurred_at=first.occurred_at,
                                      business_time=first.business_time, action="fork")


@pytest.mark.postgres
def test_the_append_only_trigger_still_refuses_update_and_delete():
    event = audit_record(action="x", organisation=_org_on(2))
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(chain=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).chain == 2


@pytest.mark.postgres
def test_a_stored_chain_check_cannot_be_changed_or_removed():
    # its heads are what the next check compares against: editing them would hide a truncation
    check = chain_check_run(actor=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChainCheck.objects.filter(pk=check.pk).update(heads={})
    with pytest.raises(IntegrityError), transaction.atomic():
        ChainCheck.objects.filter(pk=check.pk).delete()
    assert ChainCheck.objects.get(pk=check.pk).heads == check.heads


def _frozen_rows(run) -> list[tuple]:
    """Run `run` with a frozen clock in a savepoint that is rolled back; the rows it wrote, in id order."""
    when = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with mock.patch.object(services.timezone, "now", return_value=when), \
            mock.patch.object(services.clock, "now", return_value=when):
        sid = transaction.savepoint()
        run()
        rows = list(AuditEvent.objects.filter(id__gt=before).order_by("id").values_list(
            "chain", "prev_hash", "hash", "occurred_at", "business_time", "actor_id", "actor_username",
            "organisation_id", "action", "object_type", "object_id", "from_state", "to_state", "payload", "ip"))
        transaction.savepoint_rollback(sid)
    return rows


@pytest.mark.django_db(transaction=True)  # "earlier" commits, so the bulk's transaction holds no chain yet
def test_bulk_append_writes_exactly_what_single_appends_would(make_user, monkeypatch):
    monkeypatch.setattr(services, "_BATCH", 3)  # several batches per chain
    actor = make_user()
    orgs = [_org_on(6), _org_on(1), None, _org_on(6)]
    audit_record(action="earlier", organisation=orgs[0])  # chain 6 does not start from its genesis
    events = [dict(actor=actor if orgs[i % 4] else None, action=f"bulk.{i}", obj=actor if orgs[i % 4] else None,
                   organisation=orgs[i % 4], from_state="a", to_state="b",
                   # flat plain payloads, and payloads that only read back as JSON (decimals, dates, nesting)
                   payload={"i": i, "amount": "2.50"} if i % 2 else {"i": i, "amount": Decimal("2.50"),
                                                                    "on": date(2026, 5, 4), "list": [i, None]})
              for i in range(17)]
    with transaction.atomic():
        bulk = _frozen_rows(lambda: audit_record_many(events))
        order = sorted(events, key=lambda e: services.chain_for(getattr(e["organisation"], "pk", None)))
        single = _frozen_rows(lambda: [audit_record(**e) for e in order])
    assert len(bulk) == 17 and bulk == single
    assert {row[0] for row in bulk} == {0, 1, 6}
    assert audit_record_many(events) == 17 and audit_record_many([]) == 0
    result = verify_chains(AuditEvent.objects.all())
    assert result.ok and result.checked == 1 + 17


@pytest.mark.parametrize(("address", "stored"), [("", None), ("unknown", None), ("2001:0DB8::0001", "2001:db8::1"),
                                                 ("::ffff:10.0.0.1", "10.0.0.1")])
def test_one_and_many_appends_store_the_requests_address_as_digested(address, stored):
    # given a request whose address is missing, not an address, or spelled otherwise than the database reads back
    token = current_ip.set(address)
    try:
        # when one event and then many are appended for it
        one = audit_record(action="one", organisation=OrganisationFactory())
        assert audit_record_many([dict(action="many", organisation=OrganisationFactory()),
                                  dict(action="many")]) == 2
    finally:
        current_ip.reset(token)
    # then every row holds the same address (NULL when there is none) and every chain verifies
    rows = AuditEvent.objects.filter(id__gte=one.pk, action__in=["one", "many"])
    assert list(rows.values_list("ip", flat=True)) == [stored] * 3
    assert verify_chains(AuditEvent.objects.all()).ok


@pytest.mark.postgres
def test_the_chain_head_look_up_is_planned_for_the_trail_as_it_is_now():
    # a plan kept for the life of a connection, made while the trail was small, scans the whole trail per head
    with connection.cursor() as cursor:
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = 'audit_chain_heads'")
        (config,) = cursor.fetchone()
    assert "plan_cache_mode=force_custom_plan" in (config or [])


# --- concurrency (real transactions on PostgreSQL) ---------------------------------------------------------

def _in_thread(target, *args):
    outcome = {}

    def run():
        try:
            outcome["value"] = target(*args)
        except Exception as exc:  # handed to the test
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _append_with_lock_timeout(organisation) -> AuditEvent:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '3s'")
        return audit_record(action="other.append", organisation=organisation)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_open_append_on_one_chain_does_not_block_another_chain():
    org_a, org_b, org_a2 = _org_on(1), _org_on(2), _org_on(1)
    appended, release = threading.Event(), threading.Event()

    def hold_open():
        with transaction.atomic():
            audit_record(action="held.open", organisation=org_a)
            appended.set()
            assert release.wait(30)

    holder, held = _in_thread(hold_open)
    try:
        assert appended.wait(30)
        # chain 2 while chain 1 is appended but not committed: goes through
        other, outcome = _in_thread(_append_with_lock_timeout, org_b)
        other.join(10)
        assert outcome.get("value") is not None and outcome["value"].chain == 2, outcome
        # the control: another organisation of chain 1 has to wait (here: runs into its lock timeout)
        same, outcome = _in_thread(_append_with_lock_timeout, org_a2)
        same.join(10)
        assert isinstance(outcome.get("error"), OperationalError), outcome
    finally:
        release.set()
        holder.join(30)
    assert "error" not in held
    assert verify_chains(AuditEvent.objects.all()).ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_opposite_chain_order_in_two_transactions_does_not_deadlock():
    """T1 appends on chain 3 then 5, T2 on 5 then 3, both holding their first chain: with one lock per chain
    taken in any order this deadlocks; chain locks are only taken ascending, so T2 appends its chain-3 event
    to chain 5 (which it holds) and T1 waits for T2's COMMIT."""
    org3, org5 = _org_on(3), _org_on(5)
    both_hold = threading.Barrier(2, timeout=20)

    def run(first, second):
        with transaction.atomic():
            audit_record(action="first", organisation=first)
            both_hold.wait()
            return audit_record(action="second", organisation=second).chain

    t1, out1 = _in_thread(run, org3, org5)
    t2, out2 = _in_thread(run, org5, org3)
    t1.join(30), t2.join(30)
    assert "error" not in out1 and "error" not in out2, (out1, out2)
    assert out1["value"] == 5 and out2["value"] == 5
    result = verify_chains(AuditEvent.objects.all())
    assert result.ok and {k: r.checked for k, r in result.chains.items()} == {3: 1, 5: 3}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_serialise_per_chain_and_verify():
    orgs = [_org_on(7), _org_on(7), _org_on(8), _org_on(8), _org_on(9), None]
    start = threading.Barrier(len(orgs), timeout=20)

    def append(org, n=40):
        start.wait()
        for i in range(n):
            with transaction.atomic():
                audit_record(action="concurrent", organisation=org, payload={"i": i})
        return n

    threads = [_in_thread(append, org) for org in orgs]
    for thread, _ in threads:
        thread.join(120)
    assert all(outcome.get("value") == 40 for _, outcome in threads), [o for _, o in threads]
    result = verify_chains(AuditEvent.objects.all())
    assert result.ok
    assert {k: r.checked for k, r in result.chains.items()} == {0: 40, 7: 80, 8: 80, 9: 40}
    assert AuditEvent.objects.values("prev_hash").distinct().count() == 240  # no fork anywhere


# --- truncation: each check remembers every chain's verified head, the next one must find it ---------------

def _delete(*event_ids: int) -> None:
    for event_id in event_ids:
        _as_superuser("DELETE FROM audit_auditevent WHERE id = %s", [event_id])


@pytest.fixture
def two_chains():
    """Chain 4 with three events, chain 7 with two; a staff user and a bureau user to be alerted."""
    org4, org7 = _org_on(4), _org_on(7)
    events = {4: [audit_record(action=f"four.{i}", organisation=org4) for i in range(3)],
              7: [audit_record(action=f"seven.{i}", organisation=org7) for i in range(2)]}
    return {"events": events, "orgs": {4: org4, 7: org7}}


def test_the_first_check_stores_each_chains_verified_head(two_chains, make_user):
    # given events and no check yet
    head4, head7 = two_chains["events"][4][-1], two_chains["events"][7][-1]
    assert not ChainCheck.objects.exists()
    # when the first check runs
    check = chain_check_run(actor=make_user(role=Role.SERVICE_CENTER))
    # then it verifies as before and remembers each chain's head
    assert check.ok and check.events_checked == 5 and check.problems == []
    assert ChainCheck.objects.get().heads == {"4": {"id": head4.pk, "hash": head4.hash, "count": 3},
                                              "7": {"id": head7.pk, "hash": head7.hash, "count": 2}}


def test_an_untouched_trail_and_appends_after_a_check_still_verify(two_chains, make_user, capsys):
    staff = make_user(role=Role.SERVICE_CENTER)
    chain_check_run(actor=staff)
    # untouched: the second check finds every head
    assert chain_check_run(actor=staff).ok
    # appended on a checked chain and on a new one: fine, and the heads move forward
    later = audit_record(action="four.later", organisation=two_chains["orgs"][4])
    other = audit_record(action="nine", organisation=_org_on(9))  # a chain the last check did not see
    check = chain_check_run(actor=staff)
    assert check.ok and check.events_checked == 7
    assert check.heads["4"] == {"id": later.pk, "hash": later.hash, "count": 4}
    assert check.heads["9"] == {"id": other.pk, "hash": other.hash, "count": 1}
    call_command("verify_audit")
    assert "3 条链的已核验末事件均在且未被改动" in capsys.readouterr().out


def test_a_truncated_tail_is_detected_by_the_next_check_and_alerts(two_chains, make_user, client, capsys):
    bureau, staff = make_user(role=Role.BUREAU), make_user(role=Role.SERVICE_CENTER)
    chain_check_run(actor=staff)
    first, second, third = two_chains["events"][4]
    # given the last two events of chain 4 deleted by someone who got past the append-only trigger
    _delete(second.pk, third.pk)
    assert verify_chains(AuditEvent.objects.all()).ok  # every remaining link holds: invisible without a checkpoint
    # when the staff check runs again
    check = chain_check_run(actor=staff)
    # then chain 4 is broken at its missing head, chain 7 is fine
    message = f"链 4 的已核验事件 #{third.pk} 已不存在（疑似被截断，上次核验时该链共 3 条，现可核验 1 条）"
    assert not check.ok and check.broken_event_id == third.pk and check.problems == [message]
    assert [(k, r.broken_id, r.checked) for k, r in check.chains.items()] == [(4, third.pk, 1), (7, None, 2)]
    # and the bureau and the service center are alerted with the chain and the event
    for user in (bureau, staff):
        alert = Notification.objects.get(user=user, subject=f"审计链校验失败：事件 #{third.pk}")
        assert message in alert.body
    # and the audit browser shows it with the last check
    client.force_login(staff)
    page = client.get(reverse("audit:event-list")).content.decode()
    assert message in page and f"在事件 #{third.pk} 处校验失败" in page
    # and verify_audit fails naming it
    with pytest.raises(CommandError, match=f"审计链 4 的已核验事件 #{third.pk} 已不存在"):
        call_command("verify_audit")
    # and the checkpoint is kept, so the nightly check reports it again instead of accepting the shorter chain
    assert ChainCheck.objects.order_by("-id").first().heads["4"]["id"] == third.pk
    assert chain_check_daily() | {"events_checked": None} == {"events_checked": None, "ok": False, "chains": 2,
                                                              "broken_chains": [4]}


def _check_after(damage, make_user) -> ChainCheck:
    """A staff check, then `damage()`, then the next staff check (returned)."""
    staff = make_user(role=Role.SERVICE_CENTER)
    chain_check_run(actor=staff)
    damage()
    return chain_check_run(actor=staff)


def test_a_truncation_followed_by_new_appends_is_still_detected(two_chains, make_user):
    third = two_chains["events"][4][2]

    def truncate_then_append():  # the application goes on from the new, shorter head: more events than before
        _delete(third.pk)
        for i in range(3):
            audit_record(action=f"four.after.{i}", organisation=two_chains["orgs"][4])

    check = _check_after(truncate_then_append, make_user)
    assert check.broken_event_id == third.pk
    assert check.problems == [f"链 4 的已核验事件 #{third.pk} 已不存在（疑似被截断，上次核验时该链共 3 条，现可核验 2 条）"]


def test_a_chain_that_vanished_entirely_is_reported(two_chains, make_user):
    last = two_chains["events"][7][-1]
    check = _check_after(lambda: _delete(*(e.pk for e in two_chains["events"][7])), make_user)
    assert check.broken_event_id == last.pk and list(check.chains) == [4, 7]
    assert check.problems == [f"链 7 的已核验事件 #{last.pk} 已不存在（疑似被截断，上次核验时该链共 2 条，现可核验 0 条）"]


def test_a_rewritten_head_with_a_recomputed_hash_is_reported(two_chains, make_user):
    """The last event changed and its hash recomputed: every link still holds, only the checkpoint tells."""
    head = AuditEvent.objects.get(pk=two_chains["events"][7][-1].pk)

    def rewrite():
        head.payload = {"forged": True}
        _as_superuser("UPDATE audit_auditevent SET payload = %s, hash = %s WHERE id = %s",
                      [json.dumps(head.payload), digest_of(head), head.pk])
        assert verify_chains(AuditEvent.objects.all()).ok

    check = _check_after(rewrite, make_user)
    assert check.broken_event_id == head.pk
    assert check.problems == [f"链 7 的已核验事件 #{head.pk} 已被改写（哈希或此前事件数与上次核验不符）"]


def test_a_break_before_the_checkpoint_is_reported_once_at_the_break(two_chains, make_user):
    first = two_chains["events"][4][0]
    check = _check_after(lambda: _tamper(first.pk, {"forged": True}), make_user)
    assert check.broken_event_id == first.pk
    assert check.problems == [f"链 4 在事件 #{first.pk} 处校验失败（此前 0 条正常）"]


def test_deleting_a_tampered_event_and_the_rest_of_its_chain_does_not_clear_the_break(two_chains, make_user):
    # given a check that found chain 4 broken at its second event
    _, second, third = two_chains["events"][4]
    _tamper(second.pk, {"forged": True})
    # when the evidence is deleted with everything after it, so that what is left verifies link by link
    check = _check_after(lambda: _delete(second.pk, third.pk), make_user)
    # then the next check still reports chain 4, at the event that was broken
    assert verify_chains(AuditEvent.objects.all()).ok
    assert check.broken_event_id == second.pk
    assert check.problems == [f"链 4 的已核验事件 #{second.pk} 已不存在（疑似被截断，上次核验时该链共 2 条，现可核验 1 条）"]
