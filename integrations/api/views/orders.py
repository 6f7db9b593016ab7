"""Orders: push one or a batch, read them back, cancel, change the delivery, record a payment."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from orders.models import Order

from ... import scopes
from ...selectors import order_detail_for, orders_visible_to
from ...services import (
    channel_order_cancel,
    channel_order_change_delivery,
    channel_order_create,
    channel_orders_create_batch,
    channel_payment_record,
)
from ...services.intake import CREATED, DUPLICATE, NOT_CREATED, REJECTED
from ..errors import ERROR_CODES, business_error_body, error_body, flatten
from ..serializers import (
    BatchInSerializer,
    BatchOutSerializer,
    BatchRejectedSerializer,
    CancelInSerializer,
    CancelOutSerializer,
    DeliveryChangeSerializer,
    OrderCreatedSerializer,
    OrderDetailSerializer,
    OrderInSerializer,
    OrderPageSerializer,
    OrderQuerySerializer,
    OrderSummarySerializer,
    PaymentInSerializer,
    PaymentOutSerializer,
)
from .base import COMMON_ERRORS, IDEMPOTENCY_KEY, OPTIONAL_IDEMPOTENCY_KEY, ApiView, errors

TAG = ["orders"]

MINIMAL_ORDER = {"customer_code": "C00001", "external_ref": "TB-20261201-0001", "lines": [{"sku": "P0001", "quantity": 2}]}
FULL_ORDER = {
    "customer_code": "C00001", "external_ref": "TB-20261201-0002",
    "lines": [{"sku": "P0001", "quantity": 2}, {"sku": "P0002", "quantity": 1, "unit_price": "88.00",
                                                "price_reason": "店铺满减活动价"}],
    "delivery": {"contact_name": "张三", "contact_phone": "13812345678", "province": "上海市", "city": "上海市",
                 "district": "浦东新区", "address": "张江路100号"},
    "invoice": {"type": "normal", "title": "上海华兴科技有限公司"},
    "payment_method": "online", "priority": "urgent", "notes": "请工作日送货",
}
ORDER_EXAMPLES = [
    OpenApiExample("Minimal: customer code, the channel's number, lines by SKU", value=MINIMAL_ORDER,
                   request_only=True),
    OpenApiExample("Delivery, invoice, a manual price with its reason", value=FULL_ORDER, request_only=True),
]


class OrderCursor(CursorPagination):
    """Oldest change first, for integrators polling with ``updated_since``: an order changed
    again later shows up again further on."""

    ordering = ("updated_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _own_order(client, number: str) -> Order:
    """An order of the client's own channel (the ones it may change)."""
    return get_object_or_404(Order, channel_code=client.channel_code, number=number)


class OrderListView(ApiView):
    required_scopes = {"GET": scopes.ORDERS_READ, "POST": scopes.ORDERS_WRITE}

    @extend_schema(
        tags=TAG, operation_id="orders_list", summary="Orders changed since a time (cursor pagination)",
        parameters=[OrderQuerySerializer, OpenApiParameter("page_size", int, description="1–200, default 50"),
                    OpenApiParameter("cursor", str, description="From `next`; an invalid cursor is a 404.")],
        responses={200: OrderPageSerializer, **errors(400, 404, *COMMON_ERRORS)},
        description="The client's own channel's orders (every channel with scope orders:read_all), oldest change "
                    "first. Follow `next` until it is null; keep the last `updated_at` for the next poll.",
    )
    def get(self, request):
        query = _valid(OrderQuerySerializer, request.query_params)
        orders = orders_visible_to(request.user).select_related("customer")
        if "updated_since" in query:
            orders = orders.filter(updated_at__gte=query["updated_since"])
        if "status" in query:
            orders = orders.filter(status=query["status"])
        if "channel" in query:
            orders = orders.filter(channel_code=query["channel"])
        paginator = OrderCursor()
        page = paginator.paginate_queryset(orders, request, view=self)
        return paginator.get_paginated_response(OrderSummarySerializer(page, many=True).data)

    @extend_schema(
        tags=TAG, operation_id="orders_create", summary="Push one order",
        request=OrderInSerializer, parameters=[IDEMPOTENCY_KEY], examples=ORDER_EXAMPLES,
        responses={201: OrderCreatedSerializer, **errors(400, 409, 413, 415, 422, *COMMON_ERRORS)},
        description="One order in the platform's terms, entered like an order typed in the portal: 待审核, then "
                    "the automatic review. 409 `duplicate_order` when the channel sent this external_ref before "
                    "(under any key); the body's `order` names it.",
    )
    def post(self, request):
        return self.idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = _valid(OrderInSerializer, request.data)
        order = channel_order_create(client=request.user, order=OrderInSerializer.to_channel_order(data))
        return 201, OrderCreatedSerializer(order).data


def _batch_result(entry) -> dict:
    result = {"index": entry.index, "external_ref": entry.external_ref, "result": entry.outcome}
    if entry.order is not None:
        result.update(number=entry.order.number, status=entry.order.status)
    if entry.error is not None:
        result["error"] = business_error_body(entry.error)
    return result


class OrderBatchView(ApiView):
    required_scopes = {"POST": scopes.ORDERS_WRITE}

    @extend_schema(
        tags=TAG, operation_id="orders_batch_create", summary="Push up to 500 orders",
        request=BatchInSerializer, parameters=[IDEMPOTENCY_KEY],
        examples=[OpenApiExample("Two orders, each on its own", request_only=True, value={
            "atomic": False, "orders": [MINIMAL_ORDER, {**MINIMAL_ORDER, "external_ref": "TB-20261201-0003"}]})],
        responses={
            200: BatchOutSerializer,
            422: OpenApiResponse(BatchRejectedSerializer, description="atomic=true and some orders were refused: "
                                 "none was created (code batch_rejected, results per order); or a key reused"),
            **errors(400, 409, 413, 415, *COMMON_ERRORS),
        },
        description="Each order answered in `results`: created, duplicate (sent before; its number) or rejected "
                    "(with the reasons). `atomic: true` creates all or nothing.",
    )
    def post(self, request):
        return self.idempotent(request, lambda: self._create(request))

    def _create(self, request):
        batch = _valid(BatchInSerializer, request.data)
        atomic = batch["atomic"]
        results: dict[int, dict] = {}
        valid = []
        shape = OrderInSerializer()  # one instance for every order, as DRF's list serializers do
        for index, raw in enumerate(batch["orders"]):
            try:
                valid.append((index, OrderInSerializer.to_channel_order(shape.run_validation(raw))))
            except ValidationError as malformed:  # rejected on its own, with its fields
                results[index] = {"index": index, "external_ref": str(raw.get("external_ref", ""))[:50],
                                  "result": REJECTED, "error": error_body("invalid_request", errors=flatten(malformed.detail))}
        refused_already = bool(results)
        for entry in channel_orders_create_batch(client=request.user, orders=valid, atomic=atomic):
            if atomic and refused_already and entry.outcome == CREATED:
                entry.outcome, entry.order = NOT_CREATED, None  # rolled back with the answer below
            results[entry.index] = _batch_result(entry)
        ordered = [results[index] for index in sorted(results)]
        counts = {kind: sum(1 for r in ordered if r["result"] == kind) for kind in (CREATED, DUPLICATE, REJECTED)}
        if atomic and counts[REJECTED]:
            return ERROR_CODES["batch_rejected"][0], error_body(
                "batch_rejected", f"{counts[REJECTED]} 个订单被拒绝，按全部成功或全部不建的要求，未创建任何订单", results=ordered)
        return 200, {"atomic": atomic, "created": counts[CREATED], "duplicates": counts[DUPLICATE],
                     "rejected": counts[REJECTED], "results": ordered}


class OrderDetailView(ApiView):
    required_scopes = {"GET": scopes.ORDERS_READ}

    @extend_schema(tags=TAG, operation_id="orders_retrieve", summary="One order: status, lines, totals, shipments, timeline",
                   responses={200: OrderDetailSerializer, **errors(404, *COMMON_ERRORS)})
    def get(self, request, number: str):
        order = order_detail_for(request.user, number)
        if order is None:
            raise Http404
        return Response(OrderDetailSerializer(order).data)


class OrderCancelView(ApiView):
    required_scopes = {"POST": scopes.ORDERS_WRITE}

    @extend_schema(
        tags=TAG, operation_id="orders_cancel", summary="Cancel (before shipment) or return (after it)",
        request=CancelInSerializer, parameters=[IDEMPOTENCY_KEY],
        responses={200: CancelOutSerializer, **errors(400, 404, 409, 413, 415, 422, *COMMON_ERRORS)},
        description="The portal's cancellation rules: before 已出库 the order is cancelled, stock released and "
                    "what was paid refunded; after it the order becomes a return whose refund follows the "
                    "cancellation policy (`return_case`).",
    )
    def post(self, request, number: str):
        return self.idempotent(request, lambda: self._cancel(request, number))

    def _cancel(self, request, number):
        order = _own_order(request.user, number)
        data = _valid(CancelInSerializer, request.data)
        order, case = channel_order_cancel(client=request.user, order=order, reason=data["reason"])
        return 200, CancelOutSerializer({
            "number": order.number, "status": order.status, "status_label": order.get_status_display(),
            "return_case": {"number": case.number, "refund_computation": case.refund_computation} if case else None,
        }).data


class OrderDeliveryView(ApiView):
    required_scopes = {"PATCH": scopes.ORDERS_WRITE}

    @extend_schema(
        tags=TAG, operation_id="orders_delivery_update", summary="Change contact or address before approval",
        request=DeliveryChangeSerializer, parameters=[OPTIONAL_IDEMPOTENCY_KEY],
        responses={200: OrderDetailSerializer, **errors(400, 404, 409, 413, 415, 422, *COMMON_ERRORS)},
        description="Only while the order waits for review (待审核) or was rejected; the order is re-priced "
                    "(freight follows the address) and reviewed again.",
    )
    def patch(self, request, number: str):
        return self.idempotent(request, lambda: self._change(request, number), required=False)

    def _change(self, request, number):
        order = _own_order(request.user, number)
        changes = _valid(DeliveryChangeSerializer, request.data)
        channel_order_change_delivery(client=request.user, order=order, changes=dict(changes))
        return 200, OrderDetailSerializer(order_detail_for(request.user, number)).data


class OrderPaymentsView(ApiView):
    required_scopes = {"POST": scopes.PAYMENTS_WRITE}

    @extend_schema(
        tags=["payments"], operation_id="orders_payments_create", summary="Record money received for an order",
        request=PaymentInSerializer, parameters=[IDEMPOTENCY_KEY],
        responses={201: PaymentOutSerializer, **errors(400, 404, 409, 413, 415, 422, *COMMON_ERRORS)},
        description="收款 through the same rules as the portal (not beyond the balance due, not on a cancelled order).",
    )
    def post(self, request, number: str):
        return self.idempotent(request, lambda: self._record(request, number))

    def _record(self, request, number):
        order = orders_visible_to(request.user).filter(number=number).first()
        if order is None:
            raise Http404
        data = _valid(PaymentInSerializer, request.data)
        payment = channel_payment_record(client=request.user, order=order, amount=data["amount"],
                                         method=data.get("method", ""), reference=data["reference"],
                                         paid_at=data["paid_at"])
        return 201, PaymentOutSerializer(payment).data

