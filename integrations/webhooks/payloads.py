"""The body of each webhook event, in the Standard Webhooks shape
``{"type": …, "timestamp": …, "data": {…}}``. Written when the change happens (inside its
transaction), so the body says what was true then. Money as strings, times in ISO 8601 with
their offset; no contact details (a subscriber reads the order through the API if allowed)."""

import json

from django.utils import timezone

from ordermgmt.language import in_platform_language


def _time(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


@in_platform_language
def order_summary(order) -> dict:
    return {
        "number": order.number,
        "external_ref": order.external_ref,
        "channel_code": order.channel_code,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "customer_code": order.customer.code,
        "total": str(order.total),
        "created_at": _time(order.created_at),
    }


def envelope(event_type: str, data: dict, at=None) -> str:
    body = {"type": event_type, "timestamp": _time(at or timezone.now()), "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


@in_platform_language
def status_change(order, timeline_event) -> dict:
    return {
        "order": order_summary(order),
        "from_status": timeline_event.from_status,
        "to_status": timeline_event.to_status,
        "action": timeline_event.action,
        "action_label": str(timeline_event.action_label),
        "reason": timeline_event.reason,
        "at": _time(timeline_event.created_at),
    }


def shipment(shipment_row) -> dict:
    # Read again: the shipment holds the order as it was before this shipment completed it.
    order = type(shipment_row.order).objects.select_related("customer").get(pk=shipment_row.order_id)
    return {
        "order": order_summary(order),
        "partial": order.status not in ("shipped", "in_transit", "delivered", "completed"),
        "reshipment": shipment_row.replaces_id is not None,
        "shipment": {
            "carrier": {"code": shipment_row.carrier.code, "name": shipment_row.carrier.name},
            "tracking_number": shipment_row.tracking_number,
            "tracking_url": shipment_row.tracking_url,
            "shipped_at": _time(shipment_row.shipped_at),
            "expected_delivery_date": shipment_row.expected_delivery_date.isoformat(),
        },
    }


@in_platform_language
def after_sales_case(case) -> dict:
    return {
        "order": order_summary(case.order),
        "case": {
            "number": case.number,
            "service": case.service,
            "service_label": str(case.get_service_display()),
            "case_type": case.case_type,
            "case_type_label": str(case.get_case_type_display()),
            "status": case.status,
            "opened_at": _time(case.created_at),
        },
    }


def payment(payment_row) -> dict:
    return {
        "order": order_summary(payment_row.order),
        "payment": {
            "amount": str(payment_row.amount),
            "method": payment_row.method,
            "reference": payment_row.reference,
            "paid_at": _time(payment_row.paid_at),
        },
    }


def refund(refund_row) -> dict:
    return {
        "order": order_summary(refund_row.order),
        "refund": {
            "amount": str(refund_row.amount),
            "source": refund_row.source,
            "reason": refund_row.reason,
            "case_number": refund_row.case_number,
            "refunded_at": _time(refund_row.refunded_at),
        },
    }
