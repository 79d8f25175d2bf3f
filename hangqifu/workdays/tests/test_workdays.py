from datetime import date, timedelta

import chinese_calendar
import pytest
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core.errors import InvalidInput
from hangqifu.workdays import services
from hangqifu.workdays.models import CalendarDay

pytestmark = pytest.mark.django_db


def test_spring_festival_2026_follows_the_official_calendar():
    # given the seeded calendar: 2026-02-14 (Sat) is a make-up workday, 02-15..23 the holiday,
    # 02-28 (Sat) another make-up workday
    friday = date(2026, 2, 13)
    # then
    assert services.add_working_days(friday, 1) == date(2026, 2, 14)
    assert services.add_working_days(friday, 2) == date(2026, 2, 24)
    assert services.add_working_days(friday, 6) == date(2026, 2, 28)
    assert services.add_working_days(friday, 7) == date(2026, 3, 2)
    assert not services.is_working_day(date(2026, 2, 18))
    assert services.is_working_day(date(2026, 2, 28))
    assert services.working_deadline(friday, 15).provisional is False


def test_national_day_2026_follows_the_official_calendar():
    # 2026-09-20 (Sun) and 10-10 (Sat) are make-up workdays, 10-01..07 the holiday
    assert services.is_working_day(date(2026, 9, 20))
    assert services.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert services.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert services.add_working_days(date(2026, 9, 30), 4) == date(2026, 10, 12)
    # the change-report window of 第九条 (15 working days) started the day before the holiday
    assert services.add_working_days(date(2026, 9, 30), 15) == date(2026, 10, 27)


@pytest.mark.parametrize("start", [date(2026, 1, 1), date(2026, 2, 13), date(2026, 4, 3), date(2026, 9, 24),
                                   date(2026, 12, 1)])
def test_matches_chinese_calendar_for_every_count(start):
    official = chinese_calendar.get_workdays(start + timedelta(days=1), date(2026, 12, 31))
    for n in range(1, 25):
        if n <= len(official):
            assert services.add_working_days(start, n) == official[n - 1], n


def test_a_2027_deadline_counts_the_statutory_new_year_off_and_is_certain_without_bridge_days():
    deadline = services.working_deadline(date(2026, 12, 30), 5)
    # 12-31 (Thu) official; 2027-01-01 (Fri) is 元旦 by law, then Mon 01-04 … Thu 01-07
    assert deadline == services.WorkingDeadline(date(2027, 1, 7), False)
    assert services.working_deadline(date(2027, 3, 5), 1) == services.WorkingDeadline(date(2027, 3, 8), False)


def test_a_notice_published_before_national_day_2027_never_closes_inside_the_holiday():
    # Thu 2027-09-30 + 5 working days: 10-01..03 are 国庆 by law, 10-04..07 the customary bridge (provisional),
    # 10-09/10 a possible make-up weekend (provisional, off until the schedule is entered)
    deadline = services.working_deadline(date(2027, 9, 30), 5)
    assert deadline == services.WorkingDeadline(date(2027, 10, 14), True)
    for day in (date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3)):
        info = services.day_info(day)
        assert (info.is_working_day, info.provisional, info.holiday_name) == (False, False, "国庆节")
    assert services.day_info(date(2027, 10, 7)).provisional is True
    assert services.day_info(date(2027, 10, 8)) == (date(2027, 10, 8), True, "", False)


def test_dates_missing_from_the_table_use_the_statutory_holidays():
    assert not CalendarDay.objects.filter(date__year=2031).exists()
    assert services.working_deadline(date(2031, 1, 3), 1) == services.WorkingDeadline(date(2031, 1, 6), False)
    # 2031-01-01 (Wed) 元旦 by law, no bridge: the next day is an ordinary working day
    assert services.working_deadline(date(2030, 12, 31), 1) == services.WorkingDeadline(date(2031, 1, 2), False)


def test_zero_days_is_the_start_and_a_negative_count_is_refused():
    assert services.add_working_days(date(2026, 2, 15), 0) == date(2026, 2, 15)
    with pytest.raises(InvalidInput) as exc:
        services.add_working_days(date(2026, 6, 1), -1)
    assert "不能为负数" in exc.value.detail and exc.value.status == 400


def test_working_days_between_counts_after_start_up_to_end():
    assert services.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2
    assert services.working_days_between(date(2026, 2, 24), date(2026, 2, 13)) == 0


def test_staff_correction_moves_deadlines_and_is_audited(make_user):
    # given the State Council declares 2027-01-01 a holiday
    bureau = make_user(role=Role.BUREAU)
    services.calendar_day_set(actor=bureau, day=date(2027, 1, 1), is_working_day=False, holiday_name="元旦")
    # then a 2027 deadline skips it, and the change is on record
    assert services.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert AuditEvent.objects.filter(action="calendar.set_day", actor=bureau).exists()
    latest = CalendarDay.objects.get(date=date(2027, 1, 1)).history.latest()
    assert latest.history_user == bureau and latest.is_working_day is False


def test_admin_edit_by_bureau_goes_through_the_service(make_user, client):
    bureau = make_user(role=Role.BUREAU)
    from hangqifu.accounts.roles import sync_role_groups

    sync_role_groups()
    client.force_login(bureau)
    day = CalendarDay.objects.get(date=date(2027, 10, 1))
    response = client.post(reverse("admin:workdays_calendarday_change", args=[day.pk]), {
        "date": "2027-10-01", "is_working_day": "", "holiday_name": "国庆节", "provisional": ""})
    assert response.status_code == 302
    day.refresh_from_db()
    assert not day.is_working_day and day.holiday_name == "国庆节" and not day.provisional
    assert AuditEvent.objects.filter(action="calendar.set_day", object_id=str(day.pk)).exists()


def test_month_page_shows_holidays_and_make_up_days(client):
    response = client.get(reverse("workdays:month"), {"month": "2026-02"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "春节调休上班" in text and "2026年2月" in text and "暂定" not in text
    provisional = client.get(reverse("workdays:month"), {"month": "2027-05"}).content.decode()
    assert "劳动节" in provisional and "暂定" in provisional


def test_deadline_api(api_client):
    response = api_client.get(reverse("api:calendar-deadline"), {"start": "2026-09-30", "n": 1})
    assert response.status_code == 200
    assert response.json() == {"start": "2026-09-30", "n": 1, "date": "2026-10-08", "provisional": False}
    bad = api_client.get(reverse("api:calendar-deadline"), {"start": "2026-09-30", "n": -2})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
