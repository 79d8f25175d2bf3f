"""第八条: staff import other programmes' award lists (对标提升, 创新券, 数改券 …) from Excel or CSV with the reader of
the reference lists; a deduction for a service one of them already funded is refused (subsidies.py)."""
from django.db import transaction

from hangqifu.accounts.validators import is_valid_credit_code
from hangqifu.core.money import yuan
from registration.services.imports import (assert_may_import, credit_code_cell, import_done, parse_rows, read_rows,
                                           row_field)

from ..models.subsidies import OtherSubsidyAward

PROGRAMMES = {**{label: code for code, label in OtherSubsidyAward.Programme.choices},
              **{code: code for code in OtherSubsidyAward.Programme.values},
              "对标提升": OtherSubsidyAward.Programme.BENCHMARK_UPGRADE}


@transaction.atomic
def import_other_subsidies(*, actor, uploaded_file, source: str = "") -> dict:
    """第八条: other programmes' award lists — 政策类别、统一社会信用代码、企业名称、项目名称、服务机构名称、
    服务机构统一社会信用代码（可空）、支持金额、年度. Re-importing a row updates it."""
    assert_may_import(actor)

    def parse(row):
        programme = PROGRAMMES.get(str(row.get("programme") or "").strip())
        if programme is None:
            raise ValueError(f"政策类别“{row.get('programme') or ''}”无效（创新券、数改券、对标提升或其他）")
        provider_code = str(row.get("provider_credit_code") or "").strip().upper()
        if provider_code and not is_valid_credit_code(provider_code):
            raise ValueError(f"服务机构统一社会信用代码“{provider_code}”无效")
        try:
            amount = yuan(row.get("amount"))
            year = int(str(row.get("year") or "").strip())
        except (TypeError, ValueError) as exc:
            raise ValueError("支持金额或年度无效") from exc
        if amount <= 0:
            raise ValueError("支持金额必须大于 0")
        return {"programme": programme, "credit_code": row_field(row, "credit_code", parse=credit_code_cell),
                "name": row_field(row, "name", required=False), "project": row_field(row, "project")[:300],
                "provider_name": row_field(row, "provider_name", required=False)[:200],
                "provider_credit_code": provider_code, "amount": amount, "year": year}

    rows = parse_rows(read_rows(uploaded_file), parse)
    created = 0
    for row in rows:
        _, was_created = OtherSubsidyAward.objects.update_or_create(
            programme=row["programme"], credit_code=row["credit_code"], year=row["year"], project=row["project"],
            defaults={"name": row["name"], "provider_name": row["provider_name"], "imported_by": actor,
                      "provider_credit_code": row["provider_credit_code"], "amount": row["amount"], "source": source})
        created += was_created
    return import_done(actor, "reference.import_other_subsidies", {"rows": len(rows), "created": created, "source": source})
