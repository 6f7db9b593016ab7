"""The after-sales desk in the portal, and the customer's requests on the tracking page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from aftersales.models import AfterSalesCase, CaseStatus, Feedback
from fulfillment.tracking import tracking_token
from ordermgmt import roles
from orders.models import OrderStatus
from tests.factories import delivered_order, make_order, user_with_role

pytestmark = pytest.mark.django_db


def photo(name="damage.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_service_opens_a_case_from_the_order_page_with_a_photo(client):
    order = delivered_order(quantity=3)
    line = order.lines.get()
    client.force_login(user_with_role(roles.SERVICE))
    assert "登记售后" in client.get(reverse("orders:detail", args=[order.number])).content.decode()
    response = client.post(reverse("aftersales:open", args=[order.number]), {
        "service": "return_refund", "case_type": "damaged", "description": "外箱压坏",
        f"qty_{line.pk}": "2", "photos": [photo()],
    })
    case = AfterSalesCase.objects.get()
    assert response.url == reverse("aftersales:case", args=[case.pk])
    assert case.lines.get().quantity == 2 and case.photos.count() == 1
    assert client.get(reverse("aftersales:photo", args=[case.photos.get().pk])).status_code == 200


def test_a_fake_photo_is_refused_and_nothing_is_opened(client):
    order = delivered_order(quantity=3)
    client.force_login(user_with_role(roles.SERVICE))
    response = client.post(reverse("aftersales:open", args=[order.number]), {
        "service": "return_refund", "case_type": "damaged", "description": "外箱压坏",
        f"qty_{order.lines.get().pk}": "1",
        "photos": [SimpleUploadedFile("x.png", b"not an image", content_type="image/png")],
    })
    assert response.status_code == 200 and "不是有效的图片" in response.content.decode()
    assert not AfterSalesCase.objects.exists()


def test_the_desk_walks_a_case_through_its_steps(client):
    order = delivered_order(quantity=2)
    client.force_login(user_with_role(roles.SERVICE))
    client.post(reverse("aftersales:open", args=[order.number]), {
        "service": "return_refund", "case_type": "quality", "description": "异响", f"qty_{order.lines.get().pk}": "1",
    })
    case = AfterSalesCase.objects.get()
    assert client.post(reverse("aftersales:action", args=[case.pk, "approve"])).status_code == 403
    client.force_login(user_with_role(roles.AFTER_SALES))
    page = client.get(reverse("aftersales:case", args=[case.pk])).content.decode()
    assert 'data-action="approve"' in page
    client.post(reverse("aftersales:action", args=[case.pk, "approve"]), {"service": "return_refund"})
    client.post(reverse("aftersales:action", args=[case.pk, "receive"]), {"intact": "on", "accessories_complete": "on"})
    page = client.get(reverse("aftersales:case", args=[case.pk])).content.decode()
    assert 'data-testid="refund-quote"' in page and "¥113.00" in page
    client.post(reverse("aftersales:action", args=[case.pk, "refund"]))
    client.post(reverse("aftersales:action", args=[case.pk, "close"]))
    case.refresh_from_db()
    order.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and order.status == OrderStatus.DELIVERED
    listing = client.get(reverse("aftersales:list"), {"status": "all"}).content.decode()
    assert case.number in listing


def test_customer_requests_a_return_and_rates_the_order_on_the_tracking_page(client):
    order = delivered_order(quantity=2)
    token = tracking_token(order)
    page = client.get(f"/track/s/{token}/").content.decode()
    assert 'data-testid="after-sales-request"' in page and 'data-testid="feedback-form"' in page
    response = client.post(reverse("tracking:after_sales", args=[token]), {
        "service": "exchange", "case_type": "wrong_item", "description": "发错颜色",
        f"qty_{order.lines.get().pk}": "1", "photos": [photo()],
    }, follow=True)
    case = AfterSalesCase.objects.get()
    body = response.content.decode()
    assert f"单号 {case.number}" in body and case.opened_by_customer
    assert case.number in body and "待审核" in body, "the case's progress is on the page"
    client.post(reverse("tracking:feedback", args=[token]), {"rating": "satisfied", "comment": "服务很好"})
    again = client.post(reverse("tracking:feedback", args=[token]), {"rating": "needs_improvement"}, follow=True)
    assert Feedback.objects.get(order=order).rating == "satisfied"
    assert 'data-testid="feedback-form"' not in again.content.decode()


def test_nothing_to_request_before_delivery_and_a_bad_link_does_nothing(client):
    order = make_order()
    token = tracking_token(order)
    page = client.get(f"/track/s/{token}/").content.decode()
    assert 'data-testid="after-sales-request"' not in page and 'data-testid="feedback-form"' not in page
    client.post(reverse("tracking:after_sales", args=[token]), {"service": "exchange", "case_type": "other",
                                                                 "description": "x"})
    client.post(reverse("tracking:feedback", args=["forged-token"]), {"rating": "satisfied"})
    assert not AfterSalesCase.objects.exists() and not Feedback.objects.exists()
