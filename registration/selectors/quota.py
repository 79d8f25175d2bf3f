"""The holder's quota figures, read one way for every page that shows them (qualification page, my vouchers,
the batch page, the home dashboard): 年度额度, 已使用, 已领未用 and 还可领取 (`Qualification.headroom`)."""
from ..models import Qualification


def qualification_of(*, organisation_id, year: int) -> Qualification | None:
    if not organisation_id:
        return None
    return Qualification.objects.filter(organisation_id=organisation_id, year=year).first()
