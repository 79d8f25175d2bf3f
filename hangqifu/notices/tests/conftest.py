import pytest

from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import OrganisationFactory
from hangqifu.notices.handlers import notice_handler


@notice_handler("test_admission")
class RecordingHandler:
    """Stands in for an app's handler (e.g. providers' admission) and records what it was told."""

    calls: list = []

    def item_cleared(self, item, *, actor):
        assert item.notice.state != "published"  # the handler runs once the notice has closed
        self.calls.append(("cleared", item.subject, actor))

    def item_withdrawn(self, item, *, actor):
        self.calls.append(("withdrawn", item.subject, actor))


@pytest.fixture
def handler_calls():
    RecordingHandler.calls.clear()
    yield RecordingHandler.calls
    RecordingHandler.calls.clear()


@pytest.fixture
def service_center(make_user):
    return make_user(role=Role.SERVICE_CENTER)


@pytest.fixture
def providers(db, make_user):
    from hangqifu.accounts.models import Organisation

    orgs = [OrganisationFactory(kind=Organisation.Kind.PROVIDER, name=f"杭州服务机构{i}有限公司") for i in range(2)]
    for org in orgs:
        make_user(role=Role.PROVIDER, organisation=org)
    return orgs


@pytest.fixture
def published(set_clock, bureau, providers):
    """A provider-admission style notice published on Monday 2026-09-28: five working days across the
    National Day holiday end on Saturday 2026-10-10 (a make-up workday)."""
    from hangqifu.notices.services import notice_publish

    set_clock("2026-09-28T10:00:00+08:00")
    return notice_publish(kind="test_admission", title="2026年第二批服务机构拟入驻名单公示", body="现予公示。",
                          items=[(org, f"{org.name}（拟入驻）") for org in providers], actor=bureau)
