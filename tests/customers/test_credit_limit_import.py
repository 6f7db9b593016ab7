"""A credit limit changed through the customer Excel import (Django admin, django-import-export)
is recorded like a change from the customer page: a CreditLimitChange with its reason — the
file it came from — and the importing user; only a 主管 may change a limit that way."""

from decimal import Decimal as D

import pytest
import tablib
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.models import CreditLimitChange, Customer
from customers.resources import CustomerResource
from ordermgmt import roles
from tests.factories import CustomerFactory, user_with_role

pytestmark = pytest.mark.django_db

HEADERS = ["客户编码", "客户全称", "客户等级", "信用额度(元)", "账期(天)"]


def rows(*values) -> tablib.Dataset:
    data = tablib.Dataset(headers=HEADERS)
    for row in values:
        data.append(row)
    return data


def test_an_imported_credit_limit_change_is_recorded_with_the_file_name_and_the_importing_user():
    manager = user_with_role(roles.MANAGER)
    CustomerFactory(code="C1", name="华兴科技有限公司", credit_limit=D("10000.00"), level="normal", payment_terms_days=30)
    result = CustomerResource().import_data(rows(["C1", "华兴科技有限公司", "普通", "50000", "30"]), dry_run=False,
                                            user=manager, file_name="客户资料2026.xlsx")
    assert not result.has_errors() and not result.has_validation_errors()
    assert Customer.objects.get(code="C1").credit_limit == D("50000.00")
    change = CreditLimitChange.objects.get()
    assert (change.previous_limit, change.new_limit, change.reason, change.changed_by) == (
        D("10000.00"), D("50000.00"), "客户导入 客户资料2026.xlsx", manager)


def test_an_import_that_leaves_the_limit_or_creates_a_customer_records_no_change():
    manager = user_with_role(roles.MANAGER)
    CustomerFactory(code="C1", name="甲公司", credit_limit=D("10000.00"))
    result = CustomerResource().import_data(rows(["C1", "甲公司新名", "普通", "10000.00", "45"],
                                                 ["C2", "乙公司", "普通", "3000", "30"]),
                                            dry_run=False, user=manager, file_name="c.xlsx")
    assert not result.has_errors() and not result.has_validation_errors()
    assert Customer.objects.get(code="C1").name == "甲公司新名" and Customer.objects.filter(code="C2").exists()
    assert not CreditLimitChange.objects.exists()


def test_a_dry_run_records_nothing_and_a_user_who_may_not_change_limits_gets_the_row_refused():
    manager = user_with_role(roles.MANAGER)
    CustomerFactory(code="C1", name="甲公司", credit_limit=D("10000.00"))
    preview = CustomerResource().import_data(rows(["C1", "甲公司", "普通", "20000", "30"]), dry_run=True, user=manager,
                                             file_name="c.xlsx")
    assert not preview.has_errors() and not preview.has_validation_errors()
    assert not CreditLimitChange.objects.exists() and Customer.objects.get(code="C1").credit_limit == D("10000.00")

    clerk = user_with_role(roles.SALES)  # may add and change customers, not their credit limits
    assert clerk.has_perm("customers.change_customer") and not clerk.has_perm("customers.change_credit_limit")
    refused = CustomerResource().import_data(rows(["C1", "甲公司", "普通", "20000", "30"]), dry_run=False, user=clerk,
                                             file_name="c.xlsx")
    assert refused.has_validation_errors()
    assert "只有主管可以调整信用额度" in str(refused.invalid_rows[0].error_dict)
    assert Customer.objects.get(code="C1").credit_limit == D("10000.00") and not CreditLimitChange.objects.exists()


def test_the_admin_import_records_the_uploaded_files_name_and_the_user_who_confirmed_it(admin_client, admin_user):
    CustomerFactory(code="C1", name="甲公司", credit_limit=D("10000.00"))
    model_admin = admin.site._registry[Customer]
    xlsx = next(i for i, f in enumerate(model_admin.get_import_formats()) if f().get_title() == "xlsx")
    upload = SimpleUploadedFile("客户资料.xlsx", rows(["C1", "甲公司", "普通", "80000", "30"]).export("xlsx"))
    preview = admin_client.post("/admin/customers/customer/import/", {"import_file": upload, "format": xlsx})
    assert not CreditLimitChange.objects.exists(), "the preview is rolled back"
    admin_client.post("/admin/customers/customer/process_import/", preview.context["confirm_form"].initial)
    change = CreditLimitChange.objects.get()
    assert (change.new_limit, change.reason, change.changed_by) == (D("80000.00"), "客户导入 客户资料.xlsx", admin_user)
    assert Customer.objects.get(code="C1").credit_limit == D("80000.00")
