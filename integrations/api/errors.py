"""One error body for every refusal of the API:

``{"code": "invalid_input", "message": "中文说明", "detail": "English text", "errors": {"lines[0].sku": ["…"]}}``

``code`` is stable (scripts branch on it), ``message`` is what a clerk reads (the portal's own
message for a business rule), ``detail`` the same in English per code, ``errors`` the messages
per field or order line. A duplicate order also names the existing ``order``."""

import math
import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.response import Response

from ordermgmt.errors import ActionForbidden, BusinessError, InsufficientStock, InvalidInput, InvalidTransition

from ..errors import DuplicateOrder, UnknownReference

# code: (HTTP status, message (Chinese), detail (English))
ERROR_CODES = {
    "invalid_request": (400, _("请求数据有误，请按 errors 中的说明修改"), "The request is malformed or a field is invalid; see errors."),
    "malformed_json": (400, _("请求体不是有效的 JSON"), "The body is not valid JSON."),
    "idempotency_key_required": (
        400, _("请在请求头 Idempotency-Key 中提供幂等键（1–200 个可见 ASCII 字符）"),
        "POST requests need an Idempotency-Key header of 1–200 visible ASCII characters."),
    "invalid_notification": (400, _("支付通知内容有误"), "The notification body is not in the documented format."),
    "unauthenticated": (401, _("缺少或无效的访问令牌（Authorization: Bearer …）"), "Missing, unknown, expired or revoked bearer token."),
    "bad_signature": (401, _("通知签名校验失败"), "The notification signature does not match the provider's secret."),
    "stale_timestamp": (401, _("通知时间戳与服务器时间相差超过 5 分钟"), "The notification timestamp is more than 5 minutes away from ours."),
    "forbidden": (403, _("该客户端没有权限执行此操作"), "The client lacks the scope this endpoint needs."),
    "ip_not_allowed": (403, _("该客户端不允许从此地址调用"), "The client may not call from this address."),
    "https_required": (403, _("接口只接受 HTTPS 请求"), "The API is only served over HTTPS."),
    "not_found": (404, _("找不到该资源"), "No such resource for this client."),
    "unknown_provider": (404, _("未知的支付平台"), "No active payment provider with this code."),
    "method_not_allowed": (405, _("不支持该请求方法"), "This method is not allowed on this endpoint."),
    "not_acceptable": (406, _("无法提供所要求的响应格式"), "Only application/json responses are available."),
    "duplicate_order": (409, _("该渠道订单已创建"), "The channel already sent an order with this external_ref; see order."),
    "idempotency_key_in_use": (
        409, _("使用该幂等键的请求仍在处理中"), "A request with this Idempotency-Key is still running; retry later with the same key."),
    "invalid_transition": (409, _("订单当前状态不允许此操作"), "The order is not in a state where this is possible."),
    "insufficient_stock": (409, _("库存不足"), "Not enough stock."),
    "notification_replayed": (409, _("该通知已收到过，重复的通知被拒绝"), "This exact notification was received before."),
    "payload_too_large": (413, _("请求体过大"), "The request body is larger than the API accepts."),
    "unsupported_media_type": (415, _("请以 JSON 格式提交（Content-Type: application/json）"), "Send JSON (Content-Type: application/json)."),
    "idempotency_key_reused": (
        422, _("该幂等键已用于另一个请求"), "This Idempotency-Key was used for a different request; use a new key."),
    "invalid_input": (422, _("数据不符合业务规则"), "A business rule refused the data; see message and errors."),
    "reason_required": (422, _("请填写原因"), "A reason is required."),
    "unknown_customer": (422, _("客户编码不存在"), "No customer with this code."),
    "unknown_product": (422, _("商品编码不存在"), "No product with this SKU."),
    "duplicate_in_batch": (422, _("同一批次中外部单号重复"), "The same external_ref appears twice in this batch."),
    "batch_rejected": (
        422, _("批次中有订单被拒绝，按全部成功或全部不建的要求，未创建任何订单"),
        "atomic batch: some orders were refused, so none was created; see results."),
    "business_error": (422, _("业务规则不允许此操作"), "A business rule refused the request; see message."),
    "rate_limited": (429, _("请求过于频繁，请按 Retry-After 的秒数后重试"), "Too many requests; retry after Retry-After seconds."),
}


class ApiError(Exception):
    """A refusal of the API itself (not of a business rule): ``code`` from ``ERROR_CODES``."""

    def __init__(self, code: str, message: str = "", *, errors: dict | None = None, headers: dict | None = None,
                 body: dict | None = None) -> None:
        status, default_message, _detail = ERROR_CODES[code]
        super().__init__(message or str(default_message))
        self.code, self.status = code, status
        self.message = message or str(default_message)
        self.errors = errors or {}
        self.headers = headers or {}
        self.body = body  # a whole answer of its own (a refused atomic batch)


def error_body(code: str, message: str = "", errors: dict | None = None, **extra) -> dict:
    _status, default_message, detail = ERROR_CODES[code]
    return {"code": code, "message": message or str(default_message), "detail": detail, "errors": errors or {},
            **extra}


# --- business errors ------------------------------------------------------------------------

_LINE = re.compile(r"^第(\d+)行[：:]\s*")


def business_error_code(error: BusinessError) -> str:
    if isinstance(error, ActionForbidden):
        return "forbidden"
    if error.code in ERROR_CODES and error.code != "business_error":  # a specific code the API knows
        return error.code
    if isinstance(error, InvalidTransition):
        return "invalid_transition"
    if isinstance(error, InsufficientStock):
        return "insufficient_stock"
    if isinstance(error, InvalidInput):
        return "invalid_input"
    return "business_error"


def business_error_fields(error: BusinessError) -> dict[str, list[str]]:
    """The refusal per field: the field an unknown reference names, each 第N行 problem on
    its line, the rest on the order as a whole."""
    if isinstance(error, UnknownReference):
        return {error.field: [error.message]}
    if isinstance(error, DuplicateOrder):
        return {"external_ref": [error.message]}
    fields: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in str(error).split("；"))):
        match = _LINE.match(part)
        key = f"lines[{int(match.group(1)) - 1}]" if match else "non_field_errors"
        fields.setdefault(key, []).append(part)
    return fields


def business_error_body(error: BusinessError) -> dict:
    extra = {}
    if isinstance(error, DuplicateOrder):
        extra["order"] = {"number": error.order.number, "status": error.order.status}
    return error_body(business_error_code(error), str(error), business_error_fields(error), **extra)


# --- DRF's exceptions ------------------------------------------------------------------------

def flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"orders[0].lines[1].sku": ["…"]}``."""
    if isinstance(detail, dict):
        flat = {}
        for key, value in detail.items():
            if isinstance(key, int) or str(key).isdigit():  # a list's items, by index
                name = f"{prefix}[{key}]"
            elif key in ("non_field_errors", "__all__"):
                name = prefix or "non_field_errors"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten(value, name))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        flat = {}
        for index, item in enumerate(detail):
            if item:
                flat.update(flatten(item, f"{prefix}[{index}]"))
        return flat
    return {prefix or "non_field_errors": [str(detail)]}


_DRF_CODES = [
    (exceptions.ParseError, "malformed_json"),
    (exceptions.ValidationError, "invalid_request"),
    (exceptions.NotAuthenticated, "unauthenticated"),
    (exceptions.AuthenticationFailed, "unauthenticated"),
    (exceptions.PermissionDenied, "forbidden"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "rate_limited"),
]


def _drf_response(exc: exceptions.APIException) -> Response:
    code = next((name for kind, name in _DRF_CODES if isinstance(exc, kind)), "invalid_request")
    headers = {}
    errors = {}
    message = ""
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten(exc.detail)
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail) != str(exceptions.PermissionDenied.default_detail):
        message = str(exc.detail)
    if isinstance(exc, exceptions.Throttled):
        headers["Retry-After"] = str(max(1, math.ceil(exc.wait or 1)))
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    return Response(error_body(code, message, errors), status=ERROR_CODES[code][0], headers=headers)


def api_exception_handler(exc, context):
    """DRF's ``EXCEPTION_HANDLER``: every refusal in the one shape. Anything else is a bug and
    stays a 500 (logged with its traceback)."""
    if isinstance(exc, ApiError):
        body = exc.body or error_body(exc.code, exc.message, exc.errors)
        return Response(body, status=exc.status, headers=exc.headers)
    if isinstance(exc, BusinessError):
        body = business_error_body(exc)
        return Response(body, status=ERROR_CODES[body["code"]][0])
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(error_body("payload_too_large"), status=413)
    if isinstance(exc, exceptions.APIException):
        return _drf_response(exc)
    return None
