"""Admission control in front of the claim (领券): at 9:00 thousands of firms press 领取 in the same second,
whatever the servers' speed. A claim starts only while fewer than CLAIM_IN_FLIGHT_LIMIT claims are in flight
across every web worker and node; the others are answered at once with 429, their place in line
(`X-Queue-Position`) and a `Retry-After` that brings each back about when its turn comes (the waiting room in
the shared Redis, hangqifu/core/waiting_room.py) — the claim page shows 排队中 and retries by itself — instead of
waiting seconds in the socket backlog behind claims the database serialises anyway.

- It only orders the queue: admission decides nothing about who wins. A claim of a type already sold out
  (claim_cache's flag) is let through, to be refused `batch_exhausted` without touching the database.
- It fails open: if Redis does not answer, the claim is admitted (the database stays the only authority).
- CLAIM_IN_FLIGHT_LIMIT = 0 (development and tests) turns it off."""
import json
import re

from django.conf import settings
from django.http import HttpResponse, JsonResponse

from hangqifu.core import waiting_room

API_CLAIM = re.compile(r"^/api/v1/batches/(\d+)/claim/$")
PAGE_CLAIM = re.compile(r"^/vouchers/batches/(\d+)/claim/$")
BUSY_DETAIL = "排队中：此刻领取的企业较多，请稍候，页面会自动重试"


# The vouchers app tells the middleware whether a voucher type is sold out (its claim cache): the core cannot
# import the money app, so the app registers its check here when it loads (vouchers.services.voucher_claim_cache.connect).
_sold_out_checks = []


def register_sold_out_check(check) -> None:
    """`check(voucher_type_id) -> bool`: true when a claim of that type can only be refused as sold out."""
    if check not in _sold_out_checks:
        _sold_out_checks.append(check)


def _sold_out(request, api: bool) -> bool:
    try:
        voucher_type = json.loads(request.body or b"{}").get("voucher_type") if api else \
            request.POST.get("voucher_type")
        return any(check(int(voucher_type)) for check in _sold_out_checks)
    except (TypeError, ValueError, AttributeError):
        return False


def busy_response(api_or_script: bool, place: waiting_room.Place) -> HttpResponse:
    retry = str(place.retry_after)
    if api_or_script:
        response = JsonResponse({"code": "busy", "detail": BUSY_DETAIL, "fields": {}}, status=429,
                                json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(
            f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width"><title>排队中</title><p>{BUSY_DETAIL}。请 {retry} 秒后返回上一页再点一次领取。</p>',
            status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = retry
    response["X-Queue-Position"] = str(place.position)
    response["Cache-Control"] = "no-store"
    return response


class ClaimAdmissionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.CLAIM_IN_FLIGHT_LIMIT
        if not limit or request.method != "POST":
            return self.get_response(request)
        api = bool(API_CLAIM.match(request.path_info))
        if not api and not PAGE_CLAIM.match(request.path_info):
            return self.get_response(request)
        if _sold_out(request, api):
            return self.get_response(request)
        place = waiting_room.take_place(limit, waiting_room.firm_of(request))
        if place.token is None:
            return busy_response(api or request.headers.get("X-Claim-Queue") == "1", place)
        try:
            return self.get_response(request)
        finally:
            waiting_room.release(place.token)
