"""A real task through a real worker on Redis (CI) changes the database."""
import uuid

import pytest

from conftest import wait_until
from hangqifu.core.models import WorkerHeartbeat
from hangqifu.core.tasks import ping

pytestmark = [pytest.mark.worker, pytest.mark.postgres]


def test_a_task_runs_in_a_real_worker(celery_worker_process):
    # given
    marker = uuid.uuid4().hex
    # when
    ping.delay(marker)
    # then
    assert wait_until(lambda: WorkerHeartbeat.objects.filter(marker=marker).exists(), timeout=60)
