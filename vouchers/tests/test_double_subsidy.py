"""第八条 不得重复享受, checked against the imported award lists: exact match refused, near match flagged."""
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hangqifu.audit.models import AuditEvent
from hangqifu.core.errors import DomainError
from supervision.fraud import fraud_signals_compute
from supervision.models import FraudSignal
from vouchers.models import Deduction, OtherSubsidyAward
from vouchers.services.deductions import deduction_apply
from vouchers.services.subsidy_imports import import_other_subsidies
from vouchers.services.subsidies import normalised

from .money_factories import claimed_voucher, open_batch, order_in_state, provider_user, qualified_buyer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    buyer, provider = qualified_buyer(), provider_user()
    voucher = claimed_voucher(buyer, open_batch(types=(("digital_empowerment", "1000.00", 10),)))
    order = order_in_state(buyer, provider, "rated", amount="2000.00")  # product "数字化诊断服务"
    return {"buyer": buyer, "provider": provider, "voucher": voucher, "order": order}


def _award(world, **kwargs):
    values = {"programme": "innovation_voucher", "credit_code": world["buyer"].organisation.credit_code,
              "project": "数字化诊断服务", "amount": Decimal("8000.00"), "year": 2026, **kwargs}
    return OtherSubsidyAward.objects.create(**values)


def _deduct(world, amount="1000.00"):
    return deduction_apply(actor=world["buyer"], order_id=world["order"].pk, voucher_id=world["voucher"].pk,
                           amount=amount, declares_no_other_subsidy=True)


def test_names_are_compared_ignoring_width_spaces_and_punctuation():
    assert normalised("数字化 诊断服务（ＡＩ）") == normalised("数字化诊断服务(ai)")


def test_an_award_for_the_same_project_refuses_the_deduction_naming_it(world):
    _award(world, project="数字化 诊断服务")
    with pytest.raises(DomainError) as excinfo:
        _deduct(world)
    assert excinfo.value.code == "duplicate_subsidy"
    assert "创新券 2026 年“数字化 诊断服务”" in excinfo.value.detail
    assert not Deduction.objects.exists()


def test_the_same_provider_and_amount_is_an_exact_match(world):
    _award(world, project="企业上云咨询", provider_credit_code=world["provider"].organisation.credit_code,
           amount=Decimal("2000.00"), programme="digital_transformation_voucher")
    with pytest.raises(DomainError) as excinfo:
        _deduct(world)
    assert excinfo.value.code == "duplicate_subsidy" and "数改券" in excinfo.value.detail


def test_a_near_match_is_allowed_and_raises_a_fraud_signal(world, django_capture_on_commit_callbacks):
    # one character off the product title (similar, not equal), another programme's award of the same year
    _award(world, project="数字化诊断服务项目", programme="benchmark_upgrade")
    with django_capture_on_commit_callbacks(execute=True):  # raised once the deduction has committed
        deduction = _deduct(world)
    signal = FraudSignal.objects.get(rule="other_subsidy_near")
    assert (signal.subject_type, signal.subject_id) == ("order", world["order"].pk)
    assert "对标提升服务支持" in signal.reasons[0] and "相近" in signal.reasons[0]
    assert deduction.pk
    # the nightly run recomputes the same signal
    assert fraud_signals_compute()["by_rule"].get("other_subsidy_near") == 1


def test_a_deduction_reads_the_award_lists_once(world, django_capture_on_commit_callbacks):
    _award(world, project="数字化诊断服务项目", programme="benchmark_upgrade")
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        _deduct(world)
    award_table = OtherSubsidyAward._meta.db_table
    assert [q["sql"] for q in queries.captured_queries if award_table in q["sql"]][1:] == []
    assert FraudSignal.objects.filter(rule="other_subsidy_near").exists()  # the near match found was the one raised


def test_another_year_or_another_enterprise_does_not_match(world):
    _award(world, year=2025)
    _award(world, credit_code=qualified_buyer().organisation.credit_code)
    _deduct(world)
    assert not FraudSignal.objects.filter(rule="other_subsidy_near").exists()


def test_staff_import_the_award_list_and_a_bad_row_imports_nothing(world, make_user):
    from hangqifu.accounts.roles import Role

    center = make_user(role=Role.SERVICE_CENTER)
    code = world["buyer"].organisation.credit_code
    header = "政策类别,统一社会信用代码,企业名称,项目名称,服务机构名称,服务机构统一社会信用代码,支持金额,年度\n"
    good = f"创新券,{code},某企业,数字化诊断服务,某机构,,8000.00,2026\n"
    bad = header + good + f"未知类别,{code},某企业,另一个项目,,,100,2026\n"
    with pytest.raises(DomainError) as excinfo:
        import_other_subsidies(actor=center, uploaded_file=SimpleUploadedFile("a.csv", bad.encode()))
    assert "第 3 行" in excinfo.value.fields["file"][0]
    assert not OtherSubsidyAward.objects.exists()
    result = import_other_subsidies(actor=center, uploaded_file=SimpleUploadedFile(
        "a.csv", io.BytesIO((header + good).encode()).read()), source="市科技局 2026-05")
    assert (result["rows"], result["created"]) == (1, 1)
    assert AuditEvent.objects.filter(action="reference.import_other_subsidies").count() == 1
    with pytest.raises(DomainError):
        import_other_subsidies(actor=world["buyer"], uploaded_file=SimpleUploadedFile("a.csv", good.encode()))


def test_the_buyer_sees_the_refusal_before_confirming_on_the_order_page(world, client):
    _award(world)
    client.force_login(world["buyer"])
    response = client.post(f"/vouchers/orders/{world['order'].pk}/deduct/", {
        "voucher": world["voucher"].pk, "amount": "1000.00", "declares_no_other_subsidy": "on"}, follow=True)
    assert "不得重复享受" in response.content.decode()
    assert not Deduction.objects.exists()
