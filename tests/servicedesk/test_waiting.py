"""“Why does this order wait?” on every stage: one sentence naming the exact thing and who
can release it, the details below with links; nothing for an order that waits for nobody."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales import services as after_sales
from fulfillment import services as ff
from fulfillment.models import EventKind, MessageStatus, NotificationMessage, ProductionOrder
from inventory.models import PurchaseRequest
from inventory.services import purchase_request_mark_ordered
from orders import services as order_services
from orders.models import OrderStatus
from servicedesk import services
from servicedesk.waiting import order_wait_explanation
from tests.factories import CarrierFactory, CustomerFactory, ProductFactory, delivered_order, make_order, receive
from tests.fulfillment.conftest import allocated_order, ship_all
from tests.servicedesk.conftest import complaint_input

pytestmark = pytest.mark.django_db


def _approved(order):
    order.refresh_from_db()
    if order.status == OrderStatus.PENDING_REVIEW:
        order_services.order_approve(order=order, user=None)
        order.refresh_from_db()
    return order


def pending_review(staff):
    order = make_order(user=staff["sales"], lines=[(ProductFactory(), 1, "60000.00")])
    order_services.order_auto_review(order=order, user=None)  # queued after commit otherwise
    return order


def rejected(staff):
    order = make_order(user=staff["sales"])
    return order_services.order_reject(order=order, user=staff["reviewer"], reason="地址缺门牌号")


def approved(staff):
    product = ProductFactory(sku="SHORT-1")
    receive(product, 2)
    order = _approved(make_order(user=staff["sales"], lines=[(product, 5, "100.00")]))
    request = PurchaseRequest.objects.get(order=order)
    purchase_request_mark_ordered(request=request, user=staff["warehouse"], expected_date=date(2026, 12, 18))
    return order


def in_production(staff):
    order = _approved(make_order(user=staff["sales"], lines=[(ProductFactory(stock_type="custom"), 2, "500.00")]))
    production = ProductionOrder.objects.get(order=order)
    ff.production_order_plan(production_order=production, user=staff["production"], owner=staff["production"],
                             planned_start=date(2026, 12, 1), planned_finish=date(2099, 1, 8))
    ff.production_order_start(production_order=production, user=staff["production"])
    return order


def allocated(staff):
    order = allocated_order(staff)
    ff.pick_list_create(order=order, user=staff["warehouse"])
    return order


def shipped(staff):
    order = allocated_order(staff)
    ship_all(order, staff, CarrierFactory(code="sf", name="顺丰速运"), tracking_number="SF0001")
    return order


def in_transit(staff):
    order = allocated_order(staff)
    shipment = ship_all(order, staff, CarrierFactory(code="sf", name="顺丰速运"), tracking_number="SF0002")
    ff.shipment_event_record(shipment=shipment, user=None, kind=EventKind.IN_TRANSIT, occurred_at=timezone.now())
    return order


def delivered(staff):
    return delivered_order(owner=staff["sales"])


def completed(staff):
    return order_services.order_complete(order=delivered_order(), user=staff["service"])


def cancelled(staff):
    return order_services.order_cancel(order=make_order(), user=staff["manager"], reason="客户取消")


def after_sales_order(staff):
    order = delivered_order()
    after_sales.case_open(order=order, user=staff["service"], service="repair", case_type="quality",
                          description="抽屉卡住")
    return order


def closed(staff):
    order = allocated_order(staff)
    ship_all(order, staff, CarrierFactory(code="sf"))
    return order_services.order_close(order=order, user=staff["manager"], reason="丢件已赔偿")


BUILDERS = {
    OrderStatus.PENDING_REVIEW: (pending_review, ["等待审核员人工审核", "赵磊"]),
    OrderStatus.REJECTED: (rejected, ["地址缺门牌号", "王芳"]),
    OrderStatus.APPROVED: (approved, ["1 行缺货", "最晚预计 2026-12-18 到货"]),
    OrderStatus.IN_PRODUCTION: (in_production, ["生产中：1 张生产单未完成", "计划 2099-01-08 完工"]),
    OrderStatus.ALLOCATED: (allocated, ["等待仓库出库：拣货单", "待拣货"]),
    OrderStatus.SHIPPED: (shipped, ["等待承运商揽收", "SF0001", "承运商尚无物流信息"]),
    OrderStatus.IN_TRANSIT: (in_transit, ["配送中，预计", "送达"]),
    OrderStatus.DELIVERED: (delivered, ["等待客服", "确认完成"]),
    OrderStatus.AFTER_SALES: (after_sales_order, ["售后处理中：售后工单 SH", "待审核"]),
    OrderStatus.COMPLETED: (completed, None),
    OrderStatus.CANCELLED: (cancelled, None),
    OrderStatus.CLOSED: (closed, None),
}


def test_every_status_has_a_builder():
    assert set(BUILDERS) == set(OrderStatus.values)


@pytest.mark.parametrize("status", OrderStatus.values)
def test_the_order_page_says_why_the_order_waits_at_every_stage(status, staff, client):
    build, fragments = BUILDERS[status]
    order = build(staff)
    order.refresh_from_db()
    assert order.status == status
    explanation = order_wait_explanation(order)
    client.force_login(staff["manager"])
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    if fragments is None:
        assert explanation is None, "nothing waits"
        assert 'data-testid="waiting-reason"' not in page
        return
    for fragment in fragments:
        assert fragment in explanation.sentence, (fragment, explanation.sentence)
    assert 'data-testid="waiting-reason"' in page and explanation.sentence in page.replace("&quot;", '"')


def test_a_shipment_the_carrier_picked_up_waits_for_transport_not_for_pick_up(staff):
    order = allocated_order(staff)
    shipment = ship_all(order, staff, CarrierFactory(code="sf", name="顺丰速运"), tracking_number="SF0003")
    ff.shipment_event_record(shipment=shipment, user=None, kind=EventKind.PICKED_UP, occurred_at=timezone.now())
    order.refresh_from_db()
    sentence = order_wait_explanation(order).sentence
    assert order.status == OrderStatus.SHIPPED
    assert sentence.startswith("已出库，承运商已揽收，等待运输——顺丰速运 SF0003：最新物流信息") and "等待承运商揽收" not in sentence


def test_a_shortage_names_the_lines_and_the_purchase_request_with_a_link(staff):
    order = approved(staff)
    texts = [detail.text for detail in order_wait_explanation(order).details]
    assert any("第1行 SHORT-1" in text and "缺 3" in text for text in texts)
    (request_detail,) = [d for d in order_wait_explanation(order).details if d.text.startswith("采购申请")]
    assert "预计 2026-12-18 到货" in request_detail.text and request_detail.link.startswith("/inventory/purchase-requests/")
    assert "仓库管理员" in request_detail.who


def test_when_the_credit_check_blocks_the_other_blockers_are_still_listed(staff):
    customer = CustomerFactory(credit_limit=Decimal("100.00"))
    order = make_order(user=staff["sales"], customer=customer, lines=[(ProductFactory(), 1, "5000.00")],
                       ship_address="东门")
    order_services.order_auto_review(order=order, user=None)
    order.refresh_from_db()
    explanation = order_wait_explanation(order)
    assert explanation.held
    assert explanation.sentence.startswith("信用") or "信用" in explanation.sentence
    assert "主管" in explanation.sentence
    checks = [detail.text for detail in explanation.details]
    assert any(text.startswith("信用额度拦截") for text in checks)
    assert any(text.startswith("资料完整性") for text in checks), checks
    credit = next(d for d in explanation.details if d.text.startswith("信用额度拦截"))
    assert "主管" in credit.who and "放行" in credit.who and credit.link.endswith("#review-checks")


def test_whatever_the_stage_an_open_complaint_a_failed_notice_and_a_stage_flag_are_listed(staff):
    order = delivered(staff)
    complaint = services.complaint_open(user=staff["service"], data=complaint_input(order=order))
    NotificationMessage.objects.create(order=order, key="order_delivered", channel="sms", recipient="13812345678",
                                       body="x", status=MessageStatus.FAILED, last_error="网关超时")
    from servicedesk.models import StageFlag

    StageFlag.objects.create(order=order, stage=order.status, since=order.status_changed_at, detail="已交付超过 7 个工作日")
    details = order_wait_explanation(order).details
    texts = " | ".join(d.text for d in details)
    assert f"投诉 {complaint.number} 已受理" in texts and "发送失败：网关超时" in texts and "超时：已交付超过 7 个工作日" in texts
    links = {d.link for d in details}
    assert f"/servicedesk/complaints/{complaint.number}/" in links and "/servicedesk/monitoring/?stage=delivered" in links


def test_a_finished_order_with_an_open_complaint_still_says_so(staff):
    order = completed(staff)
    complaint = services.complaint_open(user=staff["service"], data=complaint_input(order=order))
    explanation = order_wait_explanation(order)
    assert explanation.sentence == f"订单已完成；投诉 {complaint.number} 已受理（物流延误）"


def test_a_link_shows_only_to_whoever_may_open_it(client, staff):
    order = delivered(staff)
    complaint = services.complaint_open(user=staff["service"], data=complaint_input(order=order))
    url = reverse("orders:detail", args=[order.number])
    client.force_login(staff["service"])
    assert f'href="/servicedesk/complaints/{complaint.number}/"' in client.get(url).content.decode()
    client.force_login(staff["warehouse"])
    page = client.get(url).content.decode()
    assert f"投诉 {complaint.number}" in page and f'href="/servicedesk/complaints/{complaint.number}/"' not in page
