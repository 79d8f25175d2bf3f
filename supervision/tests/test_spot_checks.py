"""抽查: reproducible from the recorded seed (uniform and risk-weighted), bad sample sizes refused in Chinese,
findings with evidence, closed with a Chinese PDF report; only staff; draft → sampled → closed."""
import random
from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from hangqifu.accounts.roles import Role
from hangqifu.core.errors import DomainError, InvalidTransition, NotPermitted
from hangqifu.documents.tests.factories import pdf_upload
from supervision import fraud
from supervision.models import SpotCheck, SpotCheckItem
from supervision.spot_checks import (
    Candidate,
    draw_sample,
    evidence_of,
    report_document,
    spot_check_close,
    spot_check_create,
    spot_check_draw,
    spot_check_item_record,
)

from .insight_factories import buyer_org, order, provider_org

pytestmark = pytest.mark.django_db
PERIOD = {"period_start": date(2026, 5, 1), "period_end": date(2026, 5, 31)}


@pytest.fixture
def orders(set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    provider = provider_org()
    made = [order(buyer_org(), provider) for _ in range(10)]  # signed 2026-05-22
    order(buyer_org(), provider, signed_at=made[0].signed_at.replace(month=4))  # outside the period
    return made


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.SERVICE_CENTER)


def _check(staff, *, size=3, seed=20260601, method=SpotCheck.Method.UNIFORM):
    return spot_check_create(actor=staff, title="2026年5月服务券订单随机抽查", target=SpotCheck.Target.ORDER,
                             method=method, sample_size=size, seed=seed, **PERIOD)


def _sampled_ids(check):
    return list(SpotCheckItem.objects.filter(spot_check=check).order_by("position").values_list("subject_id", flat=True))


def test_the_sample_is_reproducible_from_its_seed(orders, staff):
    # when two checks are drawn with the same seed
    first = spot_check_draw(actor=staff, check=_check(staff))
    second = spot_check_draw(actor=staff, check=_check(staff))
    # then they sample the same orders, exactly what Random(seed) draws from the population sorted by id
    expected = random.Random(20260601).sample(sorted(o.pk for o in orders), 3)
    assert _sampled_ids(first) == _sampled_ids(second) == expected
    assert first.population_size == 10 and first.state == SpotCheck.State.SAMPLED
    other = spot_check_draw(actor=staff, check=_check(staff, seed=7))
    assert _sampled_ids(other) != expected or random.Random(7).sample(sorted(o.pk for o in orders), 3) == expected


def test_risk_weighted_sampling_is_reproducible_and_favours_risky_orders(orders, staff):
    # given one order with a high risk score
    risky = orders[4]
    type(risky).objects.filter(pk=risky.pk).update(amount=risky.product.last_year_average_price * 3)
    fraud.fraud_signals_compute()
    # when drawn with many seeds, weighted
    picks = 0
    for seed in range(20):
        check = spot_check_draw(actor=staff, check=_check(staff, size=1, seed=seed,
                                                          method=SpotCheck.Method.RISK_WEIGHTED))
        picks += _sampled_ids(check) == [risky.pk]
    # then the risky order (weight 41 against 1) is drawn far more often than 1 in 10
    assert picks >= 15
    again = spot_check_draw(actor=staff, check=_check(staff, size=1, seed=3, method=SpotCheck.Method.RISK_WEIGHTED))
    assert _sampled_ids(again) == _sampled_ids(SpotCheck.objects.filter(seed=3).order_by("id").first())


def test_draw_sample_uniform_and_weighted_are_pure_functions_of_the_seed():
    people = [Candidate(pk, 1, f"#{pk}", 0) for pk in (9, 3, 5, 1, 7)]
    assert draw_sample(people, size=2, seed=1) == draw_sample(list(reversed(people)), size=2, seed=1)
    weights = {3: 50}
    assert draw_sample(people, size=3, seed=5, weights=weights) == draw_sample(people[::-1], size=3, seed=5,
                                                                               weights=weights)


def test_a_sample_larger_than_the_population_is_refused_in_chinese(orders, staff):
    check = _check(staff, size=11)
    with pytest.raises(DomainError) as excinfo:
        spot_check_draw(actor=staff, check=check)
    assert excinfo.value.code == "sample_too_large"
    assert "超过抽查期间内的总体数量 10" in excinfo.value.detail
    assert SpotCheck.objects.get(pk=check.pk).state == SpotCheck.State.DRAFT
    assert not SpotCheckItem.objects.exists()


def test_a_reversed_period_is_refused(staff):
    with pytest.raises(DomainError) as excinfo:
        spot_check_create(actor=staff, title="抽查", target="order", method="uniform", sample_size=1,
                          period_start=date(2026, 5, 31), period_end=date(2026, 5, 1))
    assert excinfo.value.code == "invalid_period"


def test_findings_with_evidence_then_closing_renders_a_chinese_pdf_report(orders, staff):
    # given a drawn check
    check = spot_check_draw(actor=staff, check=_check(staff, size=2))
    first, second = check.items.order_by("position")
    with pytest.raises(DomainError):
        spot_check_close(actor=staff, check=check, conclusion="未完成")  # items still pending
    # when findings are recorded, one with evidence
    spot_check_item_record(actor=staff, item=first, finding="compliant", notes="合同、发票、服务记录齐全")
    spot_check_item_record(actor=staff, item=second, finding="issue", notes="记录不符",
                           evidence=[pdf_upload("现场核查记录.pdf")])
    closed = spot_check_close(actor=staff, check=check, conclusion="发现一项问题，移交调查")
    # then
    assert closed.state == SpotCheck.State.CLOSED
    assert evidence_of(second).count() == 1
    report = report_document(closed)
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(report.file.read())).pages)
    assert "抽查报告" in text and "记录不符" in text and "移交调查" in text
    with pytest.raises(InvalidTransition):
        spot_check_item_record(actor=staff, item=first, finding="issue", notes="改")


def test_only_staff_run_spot_checks(orders, staff, make_user, client):
    check = _check(staff)
    with pytest.raises(NotPermitted):
        spot_check_draw(actor=make_user(role=Role.ENTERPRISE), check=check)
    with pytest.raises(NotPermitted):
        _check(make_user(role=Role.PROVIDER))
    client.force_login(make_user(role=Role.ENTERPRISE))
    assert client.get(reverse("audit:spot-check-detail", args=[check.pk])).status_code == 403


def test_the_pages_walk_a_check_from_draft_to_closed(orders, staff, client):
    client.force_login(staff)
    response = client.post(reverse("audit:spot-check-list"), {
        "title": "五月抽查", "target": "order", "method": "uniform", "period_start": "2026-05-01",
        "period_end": "2026-05-31", "sample_size": 1, "seed": 99})
    check = SpotCheck.objects.get()
    assert response.status_code == 302 and check.seed == 99
    client.post(reverse("audit:spot-check-draw", args=[check.pk]))
    item = check.items.get()
    client.post(reverse("audit:spot-check-item", args=[check.pk, item.pk]), {"finding": "compliant", "notes": ""})
    client.post(reverse("audit:spot-check-close", args=[check.pk]), {"conclusion": "未发现问题"})
    page = client.get(reverse("audit:spot-check-detail", args=[check.pk])).content.decode()
    assert "已结案" in page and "下载抽查报告" in page
    download = client.get(reverse("audit:spot-check-report", args=[check.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


def test_too_large_sample_on_the_page_shows_the_chinese_error(orders, staff, client):
    client.force_login(staff)
    check = _check(staff, size=50)
    response = client.post(reverse("audit:spot-check-draw", args=[check.pk]), follow=True)
    assert "超过抽查期间内的总体数量" in response.content.decode()


def test_the_api_creates_draws_records_and_closes(orders, staff, api_as, make_user):
    api = api_as(staff)
    created = api.post("/api/v1/spot-checks/", {"title": "接口抽查", "target": "order", "method": "uniform",
                                                "period_start": "2026-05-01", "period_end": "2026-05-31",
                                                "sample_size": 2, "seed": 5}, format="json")
    assert created.status_code == 201 and created.json()["state"] == "draft"
    pk = created.json()["id"]
    drawn = api.post(f"/api/v1/spot-checks/{pk}/draw/", format="json").json()
    assert [i["subject_id"] for i in drawn["items"]] == random.Random(5).sample(sorted(o.pk for o in orders), 2)
    for item in drawn["items"]:
        api.post(f"/api/v1/spot-checks/{pk}/items/{item['id']}/", {"finding": "compliant"}, format="json")
    closed = api.post(f"/api/v1/spot-checks/{pk}/close/", {"conclusion": "未发现问题"}, format="json")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    again = api.post(f"/api/v1/spot-checks/{pk}/draw/", format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    too_big = api.post("/api/v1/spot-checks/", {"title": "过大", "target": "order", "period_start": "2026-05-01",
                                                "period_end": "2026-05-31", "sample_size": 99}, format="json").json()
    refused = api.post(f"/api/v1/spot-checks/{too_big['id']}/draw/", format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "sample_too_large"
    assert api_as(make_user(role=Role.ENTERPRISE)).get("/api/v1/spot-checks/").status_code == 403


def test_redemption_claims_of_the_period_can_be_sampled(set_clock, staff):
    from .insight_factories import claim_with_invoice

    set_clock("2026-06-01T09:00:00+08:00")
    provider = provider_org()
    claims = [claim_with_invoice(provider, f"INV{i}") for i in range(4)]
    check = spot_check_create(actor=staff, title="兑付申请抽查", target=SpotCheck.Target.CLAIM, method="uniform",
                              sample_size=2, seed=11, period_start=date(2026, 6, 1), period_end=date(2026, 6, 1))
    check = spot_check_draw(actor=staff, check=check)
    assert check.population_size == 4
    assert _sampled_ids(check) == random.Random(11).sample(sorted(c.pk for c in claims), 2)
    assert all(item.label.startswith("兑付申请 DF2026") for item in check.items.all())


def test_closing_asks_who_then_where_then_that_every_sample_is_checked(orders, staff, make_user, client):
    # given a draft check: an enterprise may never close one (403), staff learn it is not sampled yet (409)
    check = _check(staff, size=2)
    with pytest.raises(NotPermitted):
        spot_check_close(actor=make_user(role=Role.ENTERPRISE), check=check, conclusion="结论")
    with pytest.raises(InvalidTransition) as wrong_state:
        spot_check_close(actor=staff, check=check, conclusion="结论")
    assert wrong_state.value.status == 409
    # when drawn with both samples unchecked: the condition every_item_checked refuses, in Chinese
    check = spot_check_draw(actor=staff, check=check)
    with pytest.raises(DomainError) as unmet:
        spot_check_close(actor=make_user(role=Role.BUREAU), check=check, conclusion="结论")
    assert (unmet.value.status, unmet.value.code, unmet.value.detail) == (409, "items_pending",
                                                                          "还有 2 个样本未记录核查结果")
    assert SpotCheck.objects.get(pk=check.pk).state == SpotCheck.State.SAMPLED
    # then the page shows the close button disabled with that reason, and enabled once every sample is checked
    client.force_login(staff)
    page = client.get(reverse("audit:spot-check-detail", args=[check.pk])).content.decode()
    assert "还有 2 个样本未记录核查结果" in page and 'disabled aria-describedby="reason-close"' in page
    for item in check.items.all():
        spot_check_item_record(actor=staff, item=item, finding="compliant", notes="")
    page = client.get(reverse("audit:spot-check-detail", args=[check.pk])).content.decode()
    assert 'data-testid="reason-close"' not in page and "结案并生成报告" in page
