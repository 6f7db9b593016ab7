import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook

from ordermgmt import roles
from orders.importing.columns import COLUMNS
from tests.factories import CustomerFactory, ProductFactory, user_with_role

HEADERS = [column.header for column in COLUMNS]


def row(**values) -> list:
    """One line in the template's column order; keys are the column keys."""
    return [values.get(column.key) for column in COLUMNS]


def xlsx(rows, *, headers=HEADERS, title="订单导入", before=(), offset_columns=0, merges=(), extra_sheets=()) -> bytes:
    """A workbook built in the test: ``before`` rows above the header, data shifted right
    by ``offset_columns``, ``merges`` as "A2:A4" ranges."""
    workbook = Workbook()
    for name in extra_sheets:
        workbook.create_sheet(name).append(["说明"])
    sheet = workbook.active
    sheet.title = title
    pad = [None] * offset_columns
    for line in before:
        sheet.append(pad + list(line))
    sheet.append(pad + list(headers))
    for line in rows:
        sheet.append(pad + list(line))
    for cells in merges:
        first = sheet[cells.split(":")[0]].value
        sheet.merge_cells(cells)
        sheet[cells.split(":")[0]] = first
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def shop(db):
    roles.sync_roles()  # after a transactional test's flush the migration-made groups are gone
    customer = CustomerFactory(name="上海华兴科技有限公司", code="C00001", tax_number="91350100M000100Y43",
                               bank_name="招商银行上海张江支行", bank_account="6225880123456789")
    chair = ProductFactory(sku="P0001", name="办公椅", spec="人体工学", list_price=Decimal("300.00"))
    desk = ProductFactory(sku="P0002", name="办公桌", spec="1.4米", list_price=Decimal("800.00"))
    return {
        "customer": customer,
        "chair": chair,
        "desk": desk,
        "sales": user_with_role(roles.SALES),
        "future": timezone.localdate() + timedelta(days=10),
    }


def good_row(**overrides) -> list:
    values = dict(external_ref="PO-1", customer="上海华兴科技有限公司", contact_name="李四", contact_phone="13900001111",
                  address="浙江省杭州市西湖区文三路90号", sku="P0001", quantity=2, unit_price=250)
    values.update(overrides)
    return row(**values)
