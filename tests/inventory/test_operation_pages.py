"""The portal pages of transfers and counts, as the 仓库管理员 and the 主管 use them."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from inventory.models import CountStatus, StockBatch, StockCount, TransferOrder, TransferStatus
from ordermgmt import roles
from tests.factories import ProductFactory, WarehouseFactory, receive, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(client):
    user = user_with_role(roles.WAREHOUSE)
    client.force_login(user)
    return user


@pytest.fixture
def warehouses():
    return WarehouseFactory(code="WH-TEST", name="上海仓"), WarehouseFactory(code="WH-GZT", name="广州仓")


def test_a_clerk_creates_ships_and_receives_a_transfer_with_a_difference(client, clerk, warehouses):
    shanghai, guangzhou = warehouses
    product = ProductFactory(sku="PAGE-1")
    receive(product, 10, warehouse=shanghai)
    form = {"source": shanghai.pk, "destination": guangzhou.pk, "note": "补广州仓",
            "lines-TOTAL_FORMS": 2, "lines-INITIAL_FORMS": 0,
            "lines-0-product": product.pk, "lines-0-quantity": 6, "lines-1-product": "", "lines-1-quantity": ""}

    response = client.post(reverse("inventory:transfer_new"), form)
    transfer = TransferOrder.objects.get()
    assert response.url == reverse("inventory:transfer", args=[transfer.pk])
    client.post(reverse("inventory:transfer_action", args=[transfer.pk, "ship"]))
    page = client.get(reverse("inventory:transfer", args=[transfer.pk])).content.decode()
    assert "在途" in page and 'name="received_' in page
    line = transfer.lines.get()
    client.post(reverse("inventory:transfer_action", args=[transfer.pk, "receive"]),
                {f"received_{line.pk}": 5, f"reason_{line.pk}": "少到 1 件"})

    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED
    assert StockBatch.objects.get(warehouse=guangzhou).quantity_remaining == 5
    listing = client.get(reverse("inventory:transfers"), {"q": "PAGE-1", "status": "received"}).content.decode()
    assert transfer.number in listing
    assert transfer.number not in client.get(reverse("inventory:transfers"), {"status": "draft"}).content.decode()


def test_a_refused_shipment_is_a_message_not_an_error_page(client, clerk, warehouses):
    shanghai, guangzhou = warehouses
    product = ProductFactory(sku="NONE-1")
    receive(product, 1, warehouse=shanghai)
    form = {"source": shanghai.pk, "destination": guangzhou.pk, "lines-TOTAL_FORMS": 1, "lines-INITIAL_FORMS": 0,
            "lines-0-product": product.pk, "lines-0-quantity": 5}
    client.post(reverse("inventory:transfer_new"), form)
    transfer = TransferOrder.objects.get()

    response = client.post(reverse("inventory:transfer_action", args=[transfer.pk, "ship"]), follow=True)

    assert "可用库存不足" in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DRAFT


def _filled(sheet_bytes: bytes, quantity: int) -> bytes:
    book = load_workbook(io.BytesIO(sheet_bytes))
    sheet = book.active
    headers = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        row[headers.index("盘点数量")].value = quantity
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_blind_count_by_excel_hides_the_books_and_a_manager_posts_it(client, clerk, warehouses):
    shanghai, _ = warehouses
    batch = receive(ProductFactory(), 10, warehouse=shanghai)
    client.post(reverse("inventory:count_new"), {"warehouse": shanghai.pk, "blind": "on", "tolerance": 5})
    count = StockCount.objects.get()

    sheet = client.get(reverse("inventory:count_sheet", args=[count.pk])).content
    headers = [cell.value for cell in load_workbook(io.BytesIO(sheet)).active[1]]
    assert "账面数量" not in headers and "盘点数量" in headers
    page = client.get(reverse("inventory:count", args=[count.pk])).content.decode()
    assert "快照数量" not in page and "差异金额" not in page, "the counter does not see the books"
    upload = io.BytesIO(_filled(sheet, 8))
    upload.name = "count.xlsx"
    client.post(reverse("inventory:count_upload", args=[count.pk]), {"file": upload})
    assert count.lines.get().counted_quantity == 8
    assert client.post(reverse("inventory:count_post", args=[count.pk])).status_code == 403

    client.force_login(user_with_role(roles.MANAGER))
    page = client.get(reverse("inventory:count", args=[count.pk])).content.decode()
    assert "差异金额" in page
    client.post(reverse("inventory:count_post", args=[count.pk]))

    count.refresh_from_db()
    batch.refresh_from_db()
    assert (count.status, batch.quantity_remaining) == (CountStatus.POSTED, 8)


def test_counts_entered_in_the_portal_and_an_unreadable_sheet_refused_with_the_row(client, clerk, warehouses):
    shanghai, _ = warehouses
    receive(ProductFactory(), 10, warehouse=shanghai)
    client.post(reverse("inventory:count_new"), {"warehouse": shanghai.pk, "tolerance": 0})
    count = StockCount.objects.get()
    line = count.lines.get()
    assert not count.blind

    client.post(reverse("inventory:count_record", args=[count.pk]), {f"counted_{line.pk}": "9"})
    page = client.get(reverse("inventory:count", args=[count.pk])).content.decode()
    assert "1 行待复盘" in page and f'name="recount_{line.pk}"' in page
    book = Workbook()
    book.active.append(["明细ID", "盘点数量"])
    book.active.append([line.pk, "很多"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "bad.xlsx"
    response = client.post(reverse("inventory:count_upload", args=[count.pk]), {"file": data}, follow=True)

    assert "第2行" in response.content.decode()
    line.refresh_from_db()
    assert line.counted_quantity == 9
