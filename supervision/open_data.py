"""政务公开 open data: public programme statistics (no login) — vouchers and deductions by service category and by
district for a year, admitted providers, listed products, recent public notices. Aggregates only: nothing that
identifies an enterprise is published (our reading of what a public statistics page may show)."""
from decimal import Decimal

from django.db.models import Count, Q, Sum

from hangqifu.core import clock
from hangqifu.core.choices import District, ServiceCategory
from hangqifu.notices.models import PublicNotice
from providers.models import Product, ProviderProfile
from vouchers.models import Deduction, Fund, Voucher

ZERO = Decimal("0.00")
RECENT_NOTICES = 10


def _by(values_key: str, labels: dict, vouchers, deductions) -> list[dict]:
    rows = {r[values_key]: r for r in vouchers}
    deducted = dict(deductions)
    result = []
    for value, label in labels.items():
        row = rows.get(value, {})
        result.append({"id": value, "label": label, "vouchers_claimed": row.get("n", 0),
                       "face_value_total": row.get("face") or ZERO, "deducted_total": deducted.get(value) or ZERO})
    return result


def open_statistics(*, year: int | None = None) -> dict:
    """The figures of the public page and `GET /api/v1/open-data/` (8 queries)."""
    year = year or clock.current_year()
    vouchers = Voucher.objects.filter(year=year)
    deductions = Deduction.objects.filter(year=year)
    by_category = _by("category", dict(ServiceCategory.choices),
                      vouchers.values("category").annotate(n=Count("id"), face=Sum("face_value")),
                      deductions.values("voucher__category").annotate(s=Sum("amount"))
                      .values_list("voucher__category", "s"))
    by_district = _by("organisation__district", dict(District.choices),
                      vouchers.values("organisation__district").annotate(n=Count("id"), face=Sum("face_value")),
                      deductions.values("organisation__district").annotate(s=Sum("amount"))
                      .values_list("organisation__district", "s"))
    fund = Fund.objects.filter(year=year).values("total", "deducted").first() or {"total": ZERO, "deducted": ZERO}
    providers = ProviderProfile.objects.aggregate(
        admitted=Count("id", filter=Q(state=ProviderProfile.State.ADMITTED)))
    products = Product.objects.filter(state=Product.State.LISTED).count()
    notices = list(PublicNotice.objects.exclude(state=PublicNotice.State.DRAFT).order_by("-published_at", "-id")
                   .values("id", "title", "state", "published_at", "closes_at")[:RECENT_NOTICES])
    labels = dict(PublicNotice.State.choices)
    for notice in notices:
        notice["state_label"] = labels.get(notice["state"], notice["state"])
    return {
        "year": year,
        "fund_total": fund["total"], "fund_deducted": fund["deducted"],
        "vouchers_claimed": sum(r["vouchers_claimed"] for r in by_category),
        "deducted_total": sum((r["deducted_total"] for r in by_category), ZERO),
        "admitted_providers": providers["admitted"], "listed_products": products,
        "by_category": by_category, "by_district": by_district, "notices": notices,
        "generated_at": clock.now(),
    }
