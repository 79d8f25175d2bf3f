"""Journey: a member of the public finds a notice, logs in, objects inside the window and later sees the
resolution in the inbox badge."""
import pytest

from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import PASSWORD
from hangqifu.notices import services
from hangqifu.notices.models import Objection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """Earlier transactional tests flush every table, including the rows the data migrations seed (policy
    years, working-day calendar): put them back. (serialized_rollback clashes with the role groups that
    post_migrate recreates after each flush.)"""
    from importlib import import_module

    from django.apps import apps

    for module in ("hangqifu.policy.migrations.0002_seed_policy_years", "hangqifu.workdays.migrations.0002_seed_calendar"):
        import_module(module).seed(apps, None)


def test_public_objects_to_a_notice_and_is_told_the_outcome(_reference_data, live_server, page, login, make_user,
                                                            published, service_center):
    objector = make_user(role=Role.ENTERPRISE)
    # anonymous: the list and the notice are public, objecting needs a login
    page.goto(f"{live_server.url}/notices/")
    page.get_by_role("link", name=published.title).click()
    assert "杭州服务机构0有限公司（拟入驻）" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="登录").last.is_visible()
    # logged in, inside the window
    login(objector.username, PASSWORD)
    page.goto(f"{live_server.url}{published.get_absolute_url()}")
    page.select_option("select[name=item]", label="杭州服务机构0有限公司（拟入驻）")
    page.fill("textarea[name=content]", "该机构上年度案例中有两项并非杭州企业")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交异议").click()
    page.wait_for_selector(".messages")
    assert "异议已提交" in page.locator(".messages").inner_text()
    assert "并非杭州企业" in page.locator(".timeline").inner_text()
    # the service center dismisses it; the objector's header shows the unread notification
    services.objection_resolve(objection=Objection.objects.get(user=objector), actor=service_center, upheld=False,
                               opinion="经核查，两项案例均为杭州企业")
    page.reload()
    assert page.locator("[data-unread]").inner_text() == "1"
    assert "经核查，两项案例均为杭州企业" in page.locator(".timeline").inner_text()
