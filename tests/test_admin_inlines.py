"""Rows that only services write are shown read-only on their parent's admin page: the batch's voucher types,
a notice's items and objections; staff see each row and are offered no field, no new row and no deletion."""
import pytest

from hangqifu.accounts.roles import Role, sync_role_groups
from hangqifu.notices.services import notice_publish
from vouchers.tests.money_factories import open_batch, qualified_buyer

pytestmark = pytest.mark.django_db


@pytest.fixture
def bureau_client(client, make_user, policy_day):
    sync_role_groups()
    client.force_login(make_user(role=Role.BUREAU), backend="django.contrib.auth.backends.ModelBackend")
    return client


def _assert_read_only(page: str, prefix: str, field: str) -> None:
    assert f'name="{prefix}-TOTAL_FORMS"' in page  # the inline is on the page, under this prefix
    assert f'name="{prefix}-0-{field}"' not in page and f'name="{prefix}-0-DELETE"' not in page
    assert f'name="{prefix}-__prefix__-{field}"' not in page  # no empty row to add


def test_a_batch_shows_its_voucher_types_read_only(bureau_client):
    batch = open_batch(types=(("digital_empowerment", "2000.00", 10),))
    page = bureau_client.get(f"/admin/vouchers/issuancebatch/{batch.pk}/change/").content.decode()
    assert "数字赋能" in page
    _assert_read_only(page, "voucher_types", "count")


def test_a_notice_shows_its_items_read_only(bureau_client, make_user):
    listed = qualified_buyer(username="listed-on-notice").organisation
    notice = notice_publish(kind="provider_admission", title="拟入驻服务机构名单公示", items=[(listed, "公示对象甲")],
                            actor=make_user(role=Role.BUREAU))
    page = bureau_client.get(f"/admin/notices/publicnotice/{notice.pk}/change/").content.decode()
    assert "公示对象甲" in page
    _assert_read_only(page, "items", "label")
