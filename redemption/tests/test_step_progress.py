"""The settlement batch page offers 签发 disabled during the notice period, with the reason the signing service
gives; from the notice's last moment the button is offered (signing concludes the notice first). The page
shows the batch's step progress with who acts next and the notice deadline."""
from datetime import timedelta

import pytest

from hangqifu.core.errors import DomainError
from hangqifu.notices import services as notice_services

from ..models import SettlementBatch
from ..services import settlement as services
from .test_settlement import S, _open, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_sign_is_shown_disabled_with_the_services_reason_until_the_notice_ends(world, run, center, bureau, client,  # noqa: F811
                                                                              set_clock):
    # given: a batch in its notice period
    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    run(services.batch_approve, batch=S(batch.pk), actor=bureau)
    batch = run(services.batch_publish, batch=S(batch.pk), actor=bureau)
    client.force_login(bureau)

    # when: the bureau opens the batch page during the notice period
    page = client.get(f"/redemption/batches/{batch.pk}/").content.decode()

    # then: 签发 is disabled with the service's own refusal, and the steps say who acts and until when
    with pytest.raises(DomainError) as refused:
        services.batch_sign(batch=S(batch.pk), actor=bureau)
    assert 'data-testid="batch-sign" disabled' in page
    assert refused.value.detail in page and "公示期尚未结束" in refused.value.detail
    assert 'data-testid="step-progress"' in page and "公示截止" in page and "社会公众监督" in page

    # when: a second before the notice closes it is still refused; once the notice has closed it is offered
    set_clock(batch.notice.closes_at - timedelta(seconds=1))
    run(notice_services.notices_close_expired)
    assert 'data-testid="batch-sign" disabled' in client.get(f"/redemption/batches/{batch.pk}/").content.decode()
    set_clock(batch.notice.closes_at + timedelta(seconds=1))
    run(notice_services.notices_close_expired)
    page = client.get(f"/redemption/batches/{batch.pk}/").content.decode()
    assert 'data-testid="batch-sign" disabled' not in page and 'data-testid="batch-sign"' in page
    run(services.batch_sign, batch=S(batch.pk), actor=bureau)
    assert S(batch.pk).state == SettlementBatch.State.BUREAU_SIGNED
