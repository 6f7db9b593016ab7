"""Suppliers and purchase orders made through purchasing's services."""

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from stdnum.cn import uscc

from inventory.models import Warehouse
from purchasing.models import Supplier, SupplierStatus
from purchasing.services import (
    PurchaseLineInput, purchase_order_create, qualification_add, read_document, supplier_product_set,
)
from tests.factories import WarehouseFactory

_serial = iter(range(10**6))


def credit_code(seed: int | None = None) -> str:
    """A valid 统一社会信用代码 (the check character computed)."""
    body = f"91310000{(next(_serial) if seed is None else seed):09d}"
    return body + uscc.calc_check_digit(body)


def png_upload(name: str = "licence.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf_upload(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf")


def approved_supplier(*, name: str | None = None, expires_in_days: int = 365, products=(), price="10.00",
                      lead_time_days: int = 7) -> Supplier:
    """An approved supplier with a 营业执照 valid for ``expires_in_days`` more days."""
    supplier = Supplier.objects.create(name=name or f"供应商{next(_serial)}有限公司", credit_code=credit_code(),
                                       status=SupplierStatus.APPROVED)
    qualification_add(supplier=supplier, user=None, name="营业执照", document=read_document(png_upload()),
                      expires_on=timezone.localdate() + timedelta(days=expires_in_days))
    for product in products:
        supplier_product_set(supplier=supplier, user=None, product=product, price=Decimal(price),
                             lead_time_days=lead_time_days)
    return supplier


def receiving_warehouse(code: str = "WH-PO") -> Warehouse:
    return WarehouseFactory(code=code, name=f"{code}仓")


def quarantine_warehouse() -> Warehouse:
    return WarehouseFactory(code="WH-QC", name="隔离仓", is_quarantine=True)


def place_order(supplier, lines, *, user=None, warehouse=None, **kwargs):
    """``lines``: ``(product, quantity, unit price)``."""
    return purchase_order_create(
        user=user, supplier=supplier, warehouse=warehouse or receiving_warehouse(),
        lines=[PurchaseLineInput(product=p, quantity=q, unit_price=Decimal(price)) for p, q, price in lines], **kwargs,
    )
