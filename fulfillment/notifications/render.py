"""Templates with ``{占位符}`` placeholders, filled from the order and the event.

Placeholders are a fixed list (not the Django template language), so a clerk editing a
template cannot reach anything but these values.
"""

import re

from ordermgmt.language import in_platform_language

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
}
_PATTERN = re.compile(r"\{([^{}\s]{1,20})\}")


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in _PATTERN.findall(text or "") if name not in PLACEHOLDERS})


def fill(text: str, values: dict) -> str:
    return _PATTERN.sub(lambda match: str(values.get(match.group(1), match.group(0))), text or "")


@in_platform_language
def notice_values(order, event) -> dict:
    """Every placeholder's value for a notice about ``event`` of ``order``."""
    data = event.data or {} if event is not None else {}
    values = {name: "—" for name in PLACEHOLDERS}
    values.update(
        {
            "订单号": order.number,
            "联系人": order.contact_name,
            "订单状态": order.get_status_display(),
            "下单日期": f"{order.created_at:%Y-%m-%d}",
            "查询链接": tracking_url(order),
        }
    )
    if event is not None and event.reason:
        values["驳回原因"] = event.reason
        values["原因"] = event.reason
    if data.get("amount"):
        values["退款金额"] = f"¥{data['amount']}"
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
        shipment = order.shipments.select_related("carrier").order_by("-shipped_at", "-id").first()
    if shipment is not None:
        values["承运商"] = shipment.carrier.name
        values["物流单号"] = shipment.tracking_number
        values["预计送达"] = f"{shipment.expected_delivery_date:%Y-%m-%d}"
    return values
