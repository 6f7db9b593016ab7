"""Customers and products through django-import-export resources (Django admin)."""

import time
from decimal import Decimal

import pytest
import tablib
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.models import Customer
from customers.resources import CustomerResource
from inventory.models import Product
from inventory.resources import ProductResource
from tests.factories import CustomerFactory, ProductFactory

from .conftest import far_cell_xlsx

pytestmark = pytest.mark.django_db


def test_customers_export_with_chinese_headers_and_neutralised_formulas():
    CustomerFactory(code="C1", name="=cmd|' /C calc'!A0 公司", level="vip")
    dataset = CustomerResource().export()
    assert dataset.headers[:3] == ["客户编码", "客户全称", "客户等级"]
    assert dataset[0][1] == "'=cmd|' /C calc'!A0 公司" and dataset[0][2] == "VIP"


def test_customers_import_updates_by_code_and_validates_each_row():
    CustomerFactory(code="C1", name="旧名称有限公司")
    data = tablib.Dataset(headers=["客户编码", "客户全称", "客户等级", "信用额度(元)", "账期(天)"])
    data.append(["C1", "新名称有限公司", "重要", "50000", "45"])
    data.append(["C2", "'=新客户公司", "普通", "1000", "30"])
    result = CustomerResource().import_data(data, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Customer.objects.get(code="C1").name == "新名称有限公司"
    assert Customer.objects.get(code="C1").level == "important"
    assert Customer.objects.get(code="C2").name == "=新客户公司"  # guard removed on the way in

    bad = tablib.Dataset(headers=["客户编码", "客户全称", "客户等级", "信用额度(元)", "账期(天)"])
    bad.append(["C3", "第三家公司", "金牌", "-1", "30"])
    result = CustomerResource().import_data(bad, dry_run=True)
    assert result.has_validation_errors()
    assert not Customer.objects.filter(code="C3").exists()


def test_products_round_trip_through_the_resource():
    ProductFactory(sku="A1", name="办公椅", list_price=Decimal("300.00"), vat_rate=Decimal("0.09"))
    exported = ProductResource().export()
    assert exported.dict[0]["增值税率"] == "9%" and exported.dict[0]["在售"] == "是"
    rows = tablib.Dataset(headers=exported.headers)
    rows.append(["A1", "办公椅Pro", "人体工学", "把", "320.50", "13%", "定制", "5", "否"])
    rows.append(["A2", "文件柜", "", "个", "99", "6%", "现货", "0", "是"])
    result = ProductResource().import_data(rows, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    chair = Product.objects.get(sku="A1")
    assert (chair.name, chair.list_price, chair.vat_rate, chair.stock_type, chair.is_active) == (
        "办公椅Pro", Decimal("320.50"), Decimal("0.13"), "custom", False)
    assert Product.objects.get(sku="A2").vat_rate == Decimal("0.06")


def test_an_illegal_vat_rate_is_refused():
    rows = tablib.Dataset(headers=["商品编码", "商品名称", "规格型号", "单位", "标准单价(元,不含税)", "增值税率", "库存类型",
                                   "安全库存", "在售"])
    rows.append(["A3", "台灯", "", "个", "50", "7%", "现货", "0", "是"])
    assert ProductResource().import_data(rows, dry_run=True).has_validation_errors()


def test_admin_offers_import_and_export_to_those_allowed(admin_client):
    assert admin_client.get("/admin/customers/customer/import/").status_code == 200
    assert admin_client.get("/admin/inventory/product/export/").status_code == 200


@pytest.mark.parametrize("url", ["/admin/customers/customer/import/", "/admin/inventory/product/import/"])
def test_admin_import_refuses_an_oversized_workbook_with_one_message(admin_client, url):
    model_admin = next(a for m, a in admin.site._registry.items() if url.startswith(f"/admin/{m._meta.app_label}/"
                                                                                       f"{m._meta.model_name}/"))
    xlsx_format = next(i for i, f in enumerate(model_admin.get_import_formats()) if f().get_title() == "xlsx")
    upload = SimpleUploadedFile("far.xlsx", far_cell_xlsx("XFD1048576"))
    started = time.monotonic()
    response = admin_client.post(url, {"import_file": upload, "format": xlsx_format})
    assert time.monotonic() - started < 2
    page = response.content.decode()
    assert response.status_code == 200 and "A1:XFD1048576" in page and "超出" in page
    assert not Customer.objects.exists() and not Product.objects.exists()


def test_admin_import_still_reads_a_workbook_within_the_limits(admin_client):
    dataset = tablib.Dataset(headers=["客户编码", "客户全称", "客户等级", "信用额度(元)", "账期(天)"])
    dataset.append(["C9", "九号有限公司", "普通", "1000", "30"])
    model_admin = admin.site._registry[Customer]
    xlsx_format = next(i for i, f in enumerate(model_admin.get_import_formats()) if f().get_title() == "xlsx")
    upload = SimpleUploadedFile("customers.xlsx", dataset.export("xlsx"))
    response = admin_client.post("/admin/customers/customer/import/", {"import_file": upload, "format": xlsx_format})
    assert response.status_code == 200 and "九号有限公司" in response.content.decode()  # the preview of the dry run
