"""What a person reads is Chinese: every audit action the code base records has a Chinese name in the one
registry (hangqifu/audit/labels.py), and the audit browser, timelines and the admin show names, never codes."""
import pytest
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.audit import labels
from hangqifu.audit.models import AuditEvent
from hangqifu.audit.services import audit_record

from .action_codes import recorded_action_codes


def test_every_recorded_action_has_a_chinese_name():
    codes = recorded_action_codes()
    assert len(codes) > 100  # the collector still reads the code base
    missing = {code: where for code, where in codes.items() if code not in labels.ACTION_LABELS}
    assert not missing, f"audit actions without a Chinese name in hangqifu/audit/labels.py: {missing}"


def test_the_registry_names_only_actions_the_code_records():
    stale = set(labels.ACTION_LABELS) - set(recorded_action_codes())
    assert not stale, f"names of actions nothing records: {sorted(stale)}"


def test_every_name_is_chinese_and_unique():
    names = list(labels.ACTION_LABELS.values())
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in names)
    assert len(set(names)) == len(names)


@pytest.mark.django_db
def test_objects_and_transitions_read_in_chinese():
    assert labels.action_label("order.deduct") == "抵扣服务券"
    assert labels.object_label("qualification", 3) == "服务券资格 #3"
    assert labels.object_label("redemptionclaim", 7) == "兑付申请 #7"
    assert labels.transition_label("order", "signed", "completed") == "已签约 → 服务已完成"
    assert labels.transition_label("settlementbatch", "disbursed", "completed") == "已下达拨付，区县支付中 → 已全部支付"
    assert labels.transition_label("order", "", "signed").startswith("— → ")
    assert labels.action_label("retired.code") == "其他操作"
    assert labels.state_label("order", "no_such_state") == "其他状态"


@pytest.mark.parametrize("text,code", [("抵扣", "order.deduct"), ("不予兑付", "redemption.claim_reject"),
                                       ("违规处理", "sanction.impose"), ("order.de", "order.deduct")])
def test_chinese_text_finds_its_actions(text, code):
    assert code in labels.actions_matching(text)


@pytest.mark.django_db
def test_audit_browser_finds_deductions_by_their_chinese_name(client, make_user):
    center = make_user(role=Role.SERVICE_CENTER)
    audit_record(actor=center, action="order.deduct", obj=center.organisation)
    audit_record(actor=center, action="order.create", obj=center.organisation)
    client.force_login(center)
    page = client.get(reverse("audit:event-list"), {"action": "抵扣"}).content.decode()
    assert "抵扣服务券" in page and "签订合同、创建订单" not in page
    assert "order.deduct" not in page and "organisation #" not in page


@pytest.mark.django_db
def test_admin_audit_list_is_chinese_and_searchable_in_chinese(client, make_user):
    bureau = make_user(role=Role.BUREAU, is_staff=True, is_superuser=True)
    audit_record(actor=bureau, action="order.deduct", obj=bureau.organisation)
    audit_record(actor=bureau, action="batch.open", obj=bureau.organisation)
    client.force_login(bureau)
    page = client.get(reverse("admin:audit_auditevent_changelist"), {"q": "抵扣"}).content.decode()
    start = page.index('id="result_list"')
    rows = page[start:page.index("</table>", start)]
    assert "抵扣服务券" in rows and "开始领取" not in rows and ">order.deduct<" not in rows
    assert AuditEvent.objects.count() == 2


@pytest.mark.django_db
def test_the_timeline_reads_in_chinese(client, make_user):
    center = make_user(role=Role.SERVICE_CENTER)
    audit_record(actor=center, action="redemption.claim_return", obj=center.organisation, from_state="submitted",
                 to_state="returned", payload={"opinion": "发票金额不符", "live_vouchers": 2})
    client.force_login(center)
    page = client.get(reverse("audit:timeline", args=["organisation", center.organisation_id])).content.decode()
    assert "兑付申请退回补正" in page and "意见" in page and "发票金额不符" in page and "未使用服务券（张）" in page
    assert "redemption.claim_return" not in page and '"opinion"' not in page and "submitted" not in page


@pytest.mark.django_db
def test_the_audit_api_gives_the_chinese_names_beside_the_codes(api_as, make_user):
    center = make_user(role=Role.SERVICE_CENTER)
    audit_record(actor=center, action="order.deduct", obj=center.organisation)
    audit_record(actor=center, action="batch.open", obj=center.organisation)
    response = api_as(center).get("/api/v1/audit-events/", {"action": "抵扣"})
    [event] = response.json()["results"]
    assert (event["action"], event["action_label"]) == ("order.deduct", "抵扣服务券")
    assert event["object_label"] == f"组织 #{center.organisation_id}"


@pytest.mark.django_db
def test_the_page_scan_finds_codes_and_state_ids_but_not_file_names():
    from .page_checks import raw_codes, state_ids

    states = state_ids()
    assert {"submitted", "in_notice", "bureau_signed"} <= states
    text = "抵扣服务券 order.deduct 状态 in_notice；材料 contract.pdf，账号 demo-provider，邮箱 a.b@x.gov.cn"
    assert raw_codes(text, states) == ["order.deduct", "in_notice"]
    assert raw_codes("已提交，待形式预审 · 公示中 · 杭经信兑〔2026〕1号", states) == []
