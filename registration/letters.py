"""The commitment letter of a registration (第九条: 中小微企业划型承诺函; for a park the operator's
commitment), generated as a Chinese PDF pre-filled from the application for the applicant to stamp and
upload back as `size_commitment_letter`."""
from decimal import Decimal

from django.http import HttpResponse

from hangqifu.core import clock
from hangqifu.core.choices import Honour
from hangqifu.documents.pdf import render_pdf
from hangqifu.policy.services import policy_for

from .models import HolderKind, RegistrationApplication
from .selectors.eligibility import classify_size, park_recognition

WAN = Decimal("10000")


def _wan(amount):
    return None if amount is None else f"{(amount / WAN):,.2f}"


def commitment_letter_context(registration: RegistrationApplication) -> dict:
    today = clock.today()
    context = {"r": registration, "today": today, "revenue_wan": _wan(registration.revenue),
               "total_assets_wan": _wan(registration.total_assets),
               "report_days": policy_for(registration.year).change_report_working_days,
               "is_park": registration.kind == HolderKind.PARK,
               "honour_labels": [Honour(h).label for h in registration.honours if h in Honour.values]}
    if registration.kind == HolderKind.ENTERPRISE:
        context["size"] = classify_size(industry=registration.industry, employees=registration.employees,
                                        revenue=registration.revenue, total_assets=registration.total_assets,
                                        on=today)
    else:
        context["park"] = park_recognition(registration.credit_code, today)
    return context


def commitment_letter_pdf(registration: RegistrationApplication) -> bytes:
    return render_pdf("registration/qualification/commitment_letter.html", commitment_letter_context(registration))


def commitment_letter_response(registration) -> HttpResponse:
    response = HttpResponse(commitment_letter_pdf(registration), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="commitment-letter-{registration.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
