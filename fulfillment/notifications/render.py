"""Templates with ``{占位符}`` placeholders, filled from the order and the event.

Placeholders are a fixed list (not the Django template language), so a clerk editing a
template cannot reach anything but these values.
"""

import re

from ordermgmt.language import in_platform_language

from orders.models import OrderEvent, OrderStatus

from ..models import Shipment, ShipmentException
from ..tracking import tracking_url

PLACEHOLDERS = {
    "订单号": "订单编号",
    "联系人": "收货联系人姓名",
    "订单状态": "订单当前状态",
    "下单日期": "下单日期",
    "驳回原因": "审核驳回的原因",
    "承运商": "承运商名称",
    "物流单号": "物流单号",
    "预计送达": "预计送达日期",
    "异常类型": "延误、疑似丢件或物流异常",
    "异常说明": "异常的具体原因",
    "处理结果": "异常的处理方式（补发、赔偿金额等）",
    "原因": "取消、售后等操作的原因或说明",
    "退款金额": "本次退款金额",
    "查询链接": "免验证的订单跟踪链接",
    "投诉单号": "客户投诉的编号",
    "投诉处理": "投诉的处理结果说明",
    "确认链接": "客户确认投诉处理结果的链接",
}
# A timeline note about a complaint carries these keys in its data (see NOTE_ACTIONS).
COMPLAINT_DATA = {"投诉单号": "complaint_number", "投诉处理": "complaint_resolution", "确认链接": "complaint_url"}
_PATTERN = re.compile(r"\{([^{}\s]{1,20})\}")


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in _PATTERN.findall(text or "") if name not in PLACEHOLDERS})


def fill(text: str, values: dict) -> str:
    return _PATTERN.sub(lambda match: str(values.get(match.group(1), match.group(0))), text or "")


# The placeholders filled from the order's latest shipment (looked up only when a template uses them).
SHIPMENT_PLACEHOLDERS = ("承运商", "物流单号", "预计送达")
LOOK_UP = object()


def uses_shipment(*texts: str) -> bool:
    return any("{" + name + "}" in (text or "") for text in texts for name in SHIPMENT_PLACEHOLDERS)


def _status_label(order, event) -> str:
    """The state the notice is about: the one a state change led to (a batch announces its
    changes once all are made), else the order's current one."""
    if event is not None and event.kind == OrderEvent.Kind.STATUS and event.to_status:
        return str(OrderStatus(event.to_status).label)
    return order.get_status_display()


@in_platform_language
def notice_values(order, event, *, latest_shipment=LOOK_UP) -> dict:
    """Every placeholder's value for a notice about ``event`` of ``order``.

    ``latest_shipment``: the order's latest shipment when the caller loaded it already
    (or None when no template needs it); by default it is looked up."""
    data = event.data or {} if event is not None else {}
    values = {name: "—" for name in PLACEHOLDERS}
    values.update(
        {
            "订单号": order.number,
            "联系人": order.contact_name,
            "订单状态": _status_label(order, event),
            "下单日期": f"{order.created_at:%Y-%m-%d}",
            "查询链接": tracking_url(order),
        }
    )
    if event is not None and event.reason:
        values["驳回原因"] = event.reason
        values["原因"] = event.reason
    if data.get("amount"):
        values["退款金额"] = f"¥{data['amount']}"
    for placeholder, key in COMPLAINT_DATA.items():
        if data.get(key):
            values[placeholder] = data[key]
    shipment = None
    if data.get("shipment_id"):
        shipment = Shipment.objects.select_related("carrier").filter(pk=data["shipment_id"]).first()
    if data.get("exception_id"):
        exception = ShipmentException.objects.select_related("shipment__carrier").filter(pk=data["exception_id"]).first()
        if exception is not None:
            shipment = shipment or exception.shipment
            values["异常类型"] = exception.get_kind_display()
            values["异常说明"] = exception.reason
            if exception.resolution:
                values["处理结果"] = data.get("outcome") or exception.get_resolution_display()
    if shipment is None:
        shipment = latest_shipment_of(order) if latest_shipment is LOOK_UP else latest_shipment
    if shipment is not None:
        values["承运商"] = shipment.carrier.name
        values["物流单号"] = shipment.tracking_number
        values["预计送达"] = f"{shipment.expected_delivery_date:%Y-%m-%d}"
    return values


def latest_shipment_of(order):
    return order.shipments.select_related("carrier").order_by("-shipped_at", "-id").first()


def latest_shipments(order_ids) -> dict:
    """Order id → its latest shipment, for many orders in one query."""
    latest = {}
    for shipment in Shipment.objects.filter(order_id__in=list(order_ids)).select_related("carrier").order_by(
        "order_id", "-shipped_at", "-id"
    ):
        latest.setdefault(shipment.order_id, shipment)
    return latest
