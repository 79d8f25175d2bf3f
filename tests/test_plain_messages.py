"""Messages for people, not for programmers: a refusal never shows field names or Python lists; Django's own
validation messages read as plain Chinese; sign-up refuses a phone number that is not one; every 办事指南
renders with the year's figures and is linked from the page where its service starts."""
import pytest
from django import forms
from django.urls import reverse

from hangqifu.accounts.models import Organisation
from hangqifu.accounts.validators import is_valid_phone, make_credit_code
from hangqifu.core.errors import InvalidInput, RuleViolation
from hangqifu.portal.guides import GUIDES

pytestmark = pytest.mark.django_db


def test_a_refusal_reads_as_one_sentence_without_field_names_or_lists():
    # the admin once showed “请填写审核意见（opinion: ['请填写审核意见']）”
    assert InvalidInput("请填写审核意见", fields={"opinion": ["请填写审核意见"]}).message() == "请填写审核意见"
    refusal = InvalidInput("注册信息有误", fields={"credit_code": ["统一社会信用代码无效"], "username": ["用户名已被使用"]})
    assert refusal.message() == "注册信息有误（统一社会信用代码无效；用户名已被使用）"
    nested = RuleViolation("发票有误", fields={"orders": [{"invoice_amount": ["应为 6000.00 元"]}]})
    assert nested.message() == "发票有误（应为 6000.00 元）"
    assert InvalidInput("请先填写：成立日期", fields={"established_on": ["必填"]}).message() == "请先填写：成立日期"


def test_djangos_validation_messages_are_plain_chinese():
    class Form(forms.Form):
        code = forms.CharField(min_length=18)
        amount = forms.DecimalField(max_digits=14, decimal_places=2, max_value=100)
        name = forms.CharField()

    form = Form({"code": "abc", "amount": "100.001", "name": ""})
    assert not form.is_valid()
    text = str(form.errors)
    assert "至少需要 18 个字符，当前为 3 个" in text and "最多 2 位小数" in text and "请填写此项" in text
    assert "确保" not in text and "该变量" not in text


@pytest.mark.parametrize("number, valid", [
    ("13800000000", True), ("138 0000 0000", True), ("+8613800000000", True), ("0571-88888888", True),
    ("0571-88888888-123", True), ("abc", False), ("12345678901", False), ("1380000000", False), ("0571-8888", False),
])
def test_mainland_phone_numbers(number, valid):
    assert is_valid_phone(number) is valid


def test_sign_up_refuses_abc_as_a_phone_number_and_keeps_the_input(client):
    data = {"kind": "enterprise", "organisation_name": "杭州电话测试有限公司",
            "credit_code": make_credit_code("91330106MA2K00077"), "username": "phone-test",
            "password": "Hangqifu-2026-x", "password_again": "Hangqifu-2026-x", "contact_phone": "abc"}
    response = client.post(reverse("signup"), data)
    page = response.content.decode()
    assert response.status_code == 200 and "请填写 11 位手机号码或带区号的固定电话" in page
    assert "杭州电话测试有限公司" in page and not Organisation.objects.filter(name="杭州电话测试有限公司").exists()
    response = client.post(reverse("signup"), {**data, "contact_phone": "138 0000 0000"})
    assert response.status_code == 302
    assert Organisation.objects.get(name="杭州电话测试有限公司").contact_phone == "13800000000"


def test_a_short_credit_code_is_refused_in_plain_words(client):
    response = client.post(reverse("signup"), {"kind": "enterprise", "organisation_name": "杭州甲公司",
                                               "credit_code": "91330106", "username": "short-code",
                                               "password": "Hangqifu-2026-x", "password_again": "Hangqifu-2026-x"})
    page = response.content.decode()
    assert "统一社会信用代码无效" in page and "该变量" not in page


def test_the_api_refuses_a_bad_phone_with_a_structured_error(api_client):
    response = api_client.post(reverse("api:auth-signup"), {
        "kind": "enterprise", "organisation_name": "杭州乙公司", "credit_code": make_credit_code("91330106MA2K00078"),
        "username": "api-phone", "password": "Hangqifu-2026-x", "contact_phone": "abc"}, format="json")
    assert response.status_code == 400
    assert "contact_phone" in response.json()["fields"]


@pytest.mark.parametrize("guide", GUIDES, ids=[g.slug for g in GUIDES])
def test_each_guide_renders_with_the_years_figures(client, guide, set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    page = client.get(reverse("guide", args=[guide.slug])).content.decode()
    for heading in ("设定依据", "申请条件", "申请材料", "办理流程", "办理时限"):
        assert heading in page
    assert guide.basis in page and "{" not in page and reverse(guide.start_url) in page


def test_the_guides_are_linked_where_their_services_start(client, make_user, set_clock):
    from hangqifu.accounts.roles import Role

    set_clock("2026-06-01T09:00:00+08:00")
    client.force_login(make_user(role=Role.ENTERPRISE))
    for url, slug in (("/vouchers/registration/", "registration"), ("/vouchers/change-reports/", "change-report"),
                      ("/vouchers/batches/", "claim"), ("/providers/catalogue/", "order")):
        assert reverse("guide", args=[slug]) in client.get(url).content.decode(), url
    client.force_login(make_user(role=Role.PROVIDER))
    for url, slug in (("/providers/applications/", "provider-admission"), ("/redemption/claims/", "redemption")):
        assert reverse("guide", args=[slug]) in client.get(url).content.decode(), url
    page = client.get("/guide/order/").content.decode()
    assert "50%" in page and "第八条、第十条" in page  # the ratio from the year's parameters
