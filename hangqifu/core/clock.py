"""The one business clock. Every rule (deadlines, batch windows, validity, notice windows, years) reads
`now()` / `today()` from here, so the test clock moves all of them at once.

The test clock is honoured only where settings allow it (never in production.py) and HANGQIFU_TEST_CLOCK
is on. Its value lives in the cache (Redis when configured), so the web process and the worker agree.
It keeps ticking from the time it was set unless frozen."""
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

_CACHE_KEY = "hangqifu:test-clock"


@dataclass(frozen=True)
class ClockSetting:
    business_time: datetime
    set_at: datetime
    frozen: bool


def test_clock_enabled() -> bool:
    return bool(settings.TEST_CLOCK_ALLOWED and settings.HANGQIFU_TEST_CLOCK)


def _setting() -> ClockSetting | None:
    if not test_clock_enabled():
        return None
    return cache.get(_CACHE_KEY)


def now() -> datetime:
    setting = _setting()
    real = timezone.now()
    if setting is None:
        return real
    if setting.frozen:
        return setting.business_time
    return setting.business_time + (real - setting.set_at)


def today() -> date:
    return timezone.localdate(now())


def current_year() -> int:
    return today().year


def set_test_clock(when: datetime, *, frozen: bool = False) -> None:
    if not test_clock_enabled():
        raise RuntimeError("test clock is disabled in these settings")
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    cache.set(_CACHE_KEY, ClockSetting(when, timezone.now(), frozen), timeout=None)


def reset_test_clock() -> None:
    cache.delete(_CACHE_KEY)
