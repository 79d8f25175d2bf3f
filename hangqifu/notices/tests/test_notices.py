from datetime import datetime

import pytest
from django.core import mail
from django.utils import timezone

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotPermitted, RuleViolation
from hangqifu.core.jobs import registered_jobs
from hangqifu.notices import services
from hangqifu.notices.models import NoticeItem, Objection, PublicNotice
from hangqifu.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _close_job():
    return registered_jobs()["notices.close_expired"]()


def _fresh(obj):
    # FSMField(protected=True) forbids refresh_from_db; read a new instance instead.
    return type(obj).objects.get(pk=obj.pk)


def _items(notice):
    return list(NoticeItem.objects.filter(notice=notice).order_by("id"))


def test_publish_sets_a_working_day_window_from_the_policy(published, providers):
    assert published.state == PublicNotice.State.PUBLISHED and published.working_days == 5
    assert timezone.localtime(published.closes_at) == timezone.make_aware(datetime(2026, 10, 10, 23, 59, 59))
    assert published.window_provisional is False
    assert [item.subject for item in _items(published)] == providers
    assert AuditEvent.objects.filter(action="notice.publish", object_id=str(published.pk)).exists()
    # the organisations on the notice are told
    assert Notification.objects.filter(user__organisation=providers[0], subject__startswith="已进入公示").count() == 1


def test_a_window_across_a_2027_holiday_is_marked_provisional(set_clock, bureau, providers):
    set_clock("2027-03-01T09:00:00+08:00")
    notice = services.notice_publish(kind="test_admission", title="公示", items=[(providers[0], "甲")], actor=bureau,
                                     working_days=3)
    assert timezone.localtime(notice.closes_at).date().isoformat() == "2027-03-04"
    assert notice.window_provisional is False  # no holiday near: the statutory calendar is certain
    set_clock("2027-09-30T09:00:00+08:00")
    notice = services.notice_publish(kind="test_admission", title="公示", items=[(providers[0], "甲")], actor=bureau,
                                     working_days=5)
    assert timezone.localtime(notice.closes_at).date().isoformat() == "2027-10-14"  # not inside 国庆
    assert notice.window_provisional is True


def test_publish_refuses_bad_input(bureau, make_user, providers):
    with pytest.raises(InvalidInput):
        services.notice_publish(kind="test_admission", title="公示", items=[], actor=bureau, working_days=0)
    with pytest.raises(InvalidInput):
        services.notice_publish(kind="test_admission", title=" ", items=[], actor=bureau)
    with pytest.raises(NotPermitted):
        services.notice_publish(kind="test_admission", title="公示", items=[], actor=make_user(role=Role.PROVIDER))
    assert not PublicNotice.objects.exists()


def test_notice_closes_clear_after_its_window_and_the_handler_is_called(published, set_clock, handler_calls,
                                                                       providers):
    # given the last day of the window (a make-up Saturday), the job leaves the notice open
    set_clock("2026-10-10T20:00:00+08:00")
    assert _close_job() == {"closed": 0, "notices": []}
    # when the window has passed
    set_clock("2026-10-11T00:10:00+08:00")
    result = _close_job()
    # then
    published = _fresh(published)
    assert result["closed"] == 1 and published.state == PublicNotice.State.CLOSED_CLEAR
    assert {item.state for item in _items(published)} == {NoticeItem.State.CLEARED}
    assert handler_calls == [("cleared", providers[0], None), ("cleared", providers[1], None)]
    assert AuditEvent.objects.filter(action="notice.close", to_state="closed_clear").count() == 1
    # running again changes nothing
    assert _close_job()["closed"] == 0 and len(handler_calls) == 2


def test_an_objection_inside_the_window_holds_its_item_until_resolved(published, set_clock, handler_calls, make_user,
                                                                     service_center, providers):
    objector = make_user(role=Role.ENTERPRISE, email="objector@example.com")
    first, second = _items(published)
    # given an objection against the first provider on the last day
    set_clock("2026-10-10T15:00:00+08:00")
    objection = services.objection_file(notice=published, user=objector, content="该机构案例材料造假", item=first)
    assert Notification.objects.filter(user=service_center, subject__contains="收到异议").exists()
    # when the window passes
    set_clock("2026-10-12T09:00:00+08:00")
    _close_job()
    # then the first is held, the second cleared, the notice closed with objections
    published = _fresh(published)
    first = _fresh(first)
    second = _fresh(second)
    assert published.state == PublicNotice.State.CLOSED_OBJECTED
    assert (first.state, second.state) == (NoticeItem.State.HELD, NoticeItem.State.CLEARED)
    assert handler_calls == [("cleared", providers[1], None)]
    # when the service center dismisses the objection
    mail.outbox.clear()
    services.objection_resolve(objection=objection, actor=service_center, upheld=False, opinion="经核查，案例真实")
    # then the held item clears, the handler hears it, the objector is told
    first = _fresh(first)
    assert first.state == NoticeItem.State.CLEARED
    assert handler_calls[-1] == ("cleared", providers[0], service_center)
    assert Notification.objects.filter(user=objector, subject__contains="异议不成立").exists()


def test_an_upheld_objection_withdraws_the_item(published, set_clock, handler_calls, make_user, bureau, providers):
    objector = make_user(role=Role.PROVIDER)
    first, second = _items(published)
    objection = services.objection_file(notice=published, user=objector, content="该机构成立不满两年", item=first)
    set_clock("2026-10-12T09:00:00+08:00")
    _close_job()
    services.objection_resolve(objection=objection, actor=bureau, upheld=True, opinion="异议属实，不予入驻")
    first = _fresh(first)
    assert first.state == NoticeItem.State.WITHDRAWN
    assert ("withdrawn", providers[0], bureau) in handler_calls
    with pytest.raises(InvalidTransition):
        services.objection_resolve(objection=objection, actor=bureau, upheld=False, opinion="再次处理")


def test_an_objection_to_the_whole_notice_holds_every_item(published, set_clock, handler_calls, make_user, bureau):
    objection = services.objection_file(notice=published, user=make_user(), content="公示程序不合规")
    set_clock("2026-10-12T09:00:00+08:00")
    _close_job()
    assert {item.state for item in _items(published)} == {NoticeItem.State.HELD} and handler_calls == []
    services.objection_resolve(objection=objection, actor=bureau, upheld=False, opinion="程序合规")
    assert {item.state for item in _items(published)} == {NoticeItem.State.CLEARED} and len(handler_calls) == 2


def test_objection_resolved_inside_the_window_decides_at_close(published, set_clock, handler_calls, make_user, bureau,
                                                              providers):
    first, _ = _items(published)
    objection = services.objection_file(notice=published, user=make_user(), content="有问题", item=first)
    services.objection_resolve(objection=objection, actor=bureau, upheld=True, opinion="属实")
    first = _fresh(first)
    assert first.state == NoticeItem.State.LISTED
    set_clock("2026-10-12T09:00:00+08:00")
    _close_job()
    first = _fresh(first)
    assert first.state == NoticeItem.State.WITHDRAWN and ("withdrawn", providers[0], None) in handler_calls


def test_objection_rules(published, set_clock, make_user):
    user = make_user()
    with pytest.raises(InvalidInput):
        services.objection_file(notice=published, user=user, content="   ")
    set_clock("2026-10-11T00:00:01+08:00")  # window passed, job not yet run
    with pytest.raises(RuleViolation) as exc:
        services.objection_file(notice=published, user=user, content="迟到的异议")
    assert exc.value.code == "notice_closed" and exc.value.status == 409
    assert not Objection.objects.exists()


def test_only_service_center_or_bureau_resolve(published, make_user):
    objection = services.objection_file(notice=published, user=make_user(), content="异议")
    with pytest.raises(NotPermitted):
        services.objection_resolve(objection=objection, actor=make_user(role=Role.FINANCE_BUREAU), upheld=True,
                                   opinion="x")
    with pytest.raises(InvalidInput):
        services.objection_resolve(objection=objection, actor=make_user(role=Role.BUREAU), upheld=True, opinion=" ")


def test_notice_without_handler_still_closes(set_clock, bureau, providers):
    set_clock("2026-06-01T09:00:00+08:00")
    notice = services.notice_publish(kind="general", title="关于兑付批次时间安排的公告", items=[], actor=bureau)
    set_clock("2026-07-01T09:00:00+08:00")
    _close_job()
    notice = _fresh(notice)
    assert notice.state == PublicNotice.State.CLOSED_CLEAR


def test_a_failing_handler_does_not_stop_other_notices(published, set_clock, bureau, providers, monkeypatch,
                                                      handler_calls):
    from hangqifu.notices.tests.conftest import RecordingHandler

    set_clock("2026-09-28T11:00:00+08:00")
    other = services.notice_publish(kind="general", title="另一公示", items=[(providers[0], "甲")], actor=bureau)

    def broken(self, item, *, actor):
        raise RuntimeError("handler bug")

    monkeypatch.setattr(RecordingHandler, "item_cleared", broken)
    set_clock("2026-10-12T09:00:00+08:00")
    result = _close_job()
    assert result == {"closed": 1, "notices": [other.pk], "failed": [published.pk]}
    # the failed notice rolled back completely and is retried on the next run
    assert _fresh(published).state == PublicNotice.State.PUBLISHED
    assert {item.state for item in _items(published)} == {NoticeItem.State.LISTED}
    monkeypatch.undo()
    assert _close_job()["notices"] == [published.pk]


def test_an_upheld_objection_to_the_whole_notice_withdraws_every_item_at_close(published, set_clock, handler_calls,
                                                                              make_user, bureau, providers):
    objection = services.objection_file(notice=published, user=make_user(), content="公示程序不合规")
    services.objection_resolve(objection=objection, actor=bureau, upheld=True, opinion="属实")
    set_clock("2026-10-12T09:00:00+08:00")
    _close_job()
    assert {item.state for item in _items(published)} == {NoticeItem.State.WITHDRAWN}
    assert handler_calls == [("withdrawn", p, None) for p in providers]
    close = AuditEvent.objects.get(action="notice.close")
    assert close.payload["counts"] == {"cleared": 0, "withdrawn": 2, "held": 0}


def test_closing_sends_the_same_queries_whatever_the_number_of_items(set_clock, bureau, providers):
    """Items nobody objected to clear together (one UPDATE and their transition log rows), so closing a notice
    of 100,000 claims costs what closing one of two does."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    set_clock("2026-06-01T09:00:00+08:00")
    small = services.notice_publish(kind="general", title="两项", items=[(p, p.name) for p in providers], actor=bureau)
    big = services.notice_publish(kind="general", title="多项", items=[(p, f"{p.name}{i}") for i in range(20)
                                                                      for p in providers], actor=bureau)
    set_clock("2026-07-01T09:00:00+08:00")
    ContentType.objects.get_for_model(NoticeItem)  # read once per process (Django keeps it), not per notice
    counts = []
    for notice in (small, big):
        with CaptureQueriesContext(connection) as queries:
            services.notice_close(notice=notice)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert NoticeItem.objects.filter(notice=big, state=NoticeItem.State.CLEARED).count() == 40


def test_resolving_an_objection_asks_who_before_where(published, make_user, bureau):
    objection = services.objection_file(notice=published, user=make_user(), content="异议")
    services.objection_resolve(objection=objection, actor=bureau, upheld=False, opinion="不成立")
    # the finance bureau may never decide objections: 403 even on a decided one
    with pytest.raises(NotPermitted) as refused:
        services.objection_resolve(objection=objection, actor=make_user(role=Role.FINANCE_BUREAU), upheld=True,
                                   opinion="改判")
    assert refused.value.status == 403
    # the bureau learns it is decided already (409)
    with pytest.raises(InvalidTransition) as wrong_state:
        services.objection_resolve(objection=objection, actor=bureau, upheld=True, opinion="改判")
    assert (wrong_state.value.status, wrong_state.value.detail) == (409, "该异议已处理")


def test_closing_goes_through_the_transition_helper_as_the_systems_step(published, set_clock, bureau, make_user):
    from hangqifu.workflows.transitions import fire

    # nobody may close a notice by hand, not even the bureau that published it
    with pytest.raises(NotPermitted):
        fire(published, "close_clear", actor=bureau, action="notice.close")
    # the job closes it: state and closing time saved, one audit event from published to closed
    set_clock("2026-10-12T09:00:00+08:00")
    _close_job()
    notice = _fresh(published)
    assert notice.state == PublicNotice.State.CLOSED_CLEAR and notice.closed_at is not None
    event = AuditEvent.objects.get(action="notice.close")
    assert (event.from_state, event.to_state, event.actor_id) == ("published", "closed_clear", None)
    assert event.payload["counts"] == {"cleared": 2, "withdrawn": 0, "held": 0}
