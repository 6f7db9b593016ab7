"""A large file is checked and imported by a real Celery worker while the page polls progress."""

import time

import pytest
from django.urls import reverse

from orders.importing import services
from orders.models import ImportJob, Order

from .conftest import good_row, xlsx

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def shared_media(settings, monkeypatch, tmp_path):
    """The worker is another process: it must find uploaded files where this test stores them."""
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))


def _wait_for(job: ImportJob, status: str, timeout: float = 60) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == status:
            return job
        if job.status in {ImportJob.Status.FAILED, ImportJob.Status.INVALID}:
            break
        time.sleep(0.2)
    raise AssertionError(f"import #{job.pk} is {job.status}, expected {status}: {job.message}")


def test_large_file_is_validated_and_imported_by_the_worker(shared_media, celery_worker_process, shop, client, settings):
    settings.ORDER_IMPORT_INLINE_MAX_BYTES = 0
    sales = shop["sales"]
    client.force_login(sales)
    data = xlsx([good_row(external_ref=f"PO-{n}", quantity=1 + n % 5) for n in range(1200)])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("orders:imports"), {"file": SimpleUploadedFile("big.xlsx", data)})
    job = ImportJob.objects.get()
    assert response.url == reverse("orders:import_detail", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "import-progress" in page or ImportJob.objects.get().status == ImportJob.Status.READY

    job = _wait_for(job, ImportJob.Status.READY)
    assert job.task_id and job.order_count == 1200
    progress = client.get(reverse("orders:import_progress", args=[job.pk])).json()
    assert progress["running"] is False and progress["done"] == progress["total"] == 1200

    client.post(reverse("orders:import_confirm", args=[job.pk]))
    job = _wait_for(job, ImportJob.Status.IMPORTED)
    assert job.created_order_count == 1200 and Order.objects.count() == 1200
    assert services.get_progress(job.pk)["phase"] == "done"
