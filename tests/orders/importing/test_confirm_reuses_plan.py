"""The file is validated once: the confirmation uses the previewed plan and checks again only
what can have changed since — orders entered meanwhile (tested in test_import.py) and the
master data the plan took (customers, products); anything else sends it back to the file."""

import pytest
from django.core.cache import cache

from customers.services import ContactInput, contact_save
from orders.importing import services, validation
from orders.models import ImportJob, Order

from .conftest import good_row, xlsx
from .test_import import confirm, upload

pytestmark = pytest.mark.django_db
Status = ImportJob.Status


@pytest.fixture
def validations(monkeypatch):
    """Counts the full validations of a file."""
    calls = []
    real = validation.validate_rows

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "validate_rows", counted)
    return calls


def two_orders():
    return xlsx([good_row(), good_row(external_ref="PO-2", sku="P0002", quantity=1, unit_price=None)])


def test_the_confirmation_creates_the_previewed_orders_without_validating_the_file_again(shop, validations):
    job = upload(shop["sales"], two_orders())
    assert job.status == Status.READY and len(validations) == 1

    job = confirm(job, shop["sales"])

    assert job.status == Status.IMPORTED, job.message
    assert len(validations) == 1, "the file was read and checked once, at the preview"
    assert Order.objects.count() == 2


def test_a_product_switched_off_since_the_preview_is_found_by_validating_the_file_again(shop, validations):
    job = upload(shop["sales"], two_orders())
    shop["desk"].is_active = False
    shop["desk"].save()

    job = confirm(job, shop["sales"])

    assert len(validations) == 2
    assert job.status == Status.INVALID and "已停售" in str(job.problems)
    assert not Order.objects.exists()


def test_a_customer_whose_contact_changed_since_the_preview_is_read_again(shop, validations):
    job = upload(shop["sales"], xlsx([good_row(contact_name=None, contact_phone=None)]))
    contact_save(user=None, customer=shop["customer"], contact=ContactInput(name="王五", phone="13700002222"),
                 instance=shop["customer"].primary_contact)

    job = confirm(job, shop["sales"])

    assert len(validations) == 2 and job.status == Status.IMPORTED
    assert Order.objects.get().contact_name == "王五"


def test_a_plan_that_expired_is_made_again_from_the_file(shop, validations):
    job = upload(shop["sales"], two_orders())
    cache.clear()

    job = confirm(job, shop["sales"])

    assert len(validations) == 2 and job.status == Status.IMPORTED
    assert Order.objects.count() == 2
