"""The customer's tracking page: public, no login.

The order number and the last four digits of the contact phone open it; a wrong pair
gets one generic message. Attempts are limited per IP. Wrong pairs are also counted per
order number, but only to raise an alert: a per-number lockout would let any stranger who
knows an order number lock its customer out, so the right pair always opens the page. A
signed link (sent in every notification) opens it directly.
"""

import hmac
import logging
import re

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_ratelimit.core import get_usage, is_ratelimited

from customers.phones import last_four_digits
from orders.models import Order

from ..forms import TrackingForm
from ..selectors import tracking_snapshot
from ..tracking import order_number_from_token, tracking_token

WRONG_PAIR = gettext_lazy("订单号或手机号后4位不正确，请核对后重试。")
TOO_MANY = gettext_lazy("查询次数过多，请稍后再试。")
BAD_LINK = gettext_lazy("该查询链接无效或已过期，请输入订单号和手机号后4位查询。")
ARCHIVED = gettext_lazy("该订单已归档：收货人信息已按保存期限匿名化，无法再用订单号和手机号后4位查询。"
                        "如需订单或发票信息，请联系您的销售或客服。")

logger = logging.getLogger(__name__)


def _number(request) -> str:
    return re.sub(r"\s+", "", request.POST.get("number", ""))[:20]


def _number_key(group, request) -> str:
    return _number(request) or "-"


def _limited(request) -> bool:
    return is_ratelimited(request, group="tracking:ip", key="ip", rate=settings.TRACKING_RATE_LIMIT,
                          method="POST", increment=True)


def _count_wrong_pair(request) -> None:
    """Count a wrong pair against its order number; alert once when the number crosses the
    threshold in a window (someone is guessing from many addresses)."""
    usage = get_usage(request, group="tracking:number-wrong", key=_number_key,
                      rate=settings.TRACKING_NUMBER_ALERT_RATE, method="POST", increment=True)
    if usage and usage["count"] == usage["limit"] + 1:
        logger.warning("Tracking lookup: order number %s got more than %s wrong phone digits in a window "
                       "(last from %s); someone may be guessing", _number(request), usage["limit"],
                       request.META.get("REMOTE_ADDR", "?"))


def _render(request, template, context, status=200):
    response = render(request, template, context, status=status)
    # Personal data (even masked) is not for shared caches, and the page is not for search engines.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The signed link is in the URL: never sent to other sites (a carrier's page), but kept
    # for our own form posts, whose CSRF origin check needs it.
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@csrf_protect
def track_lookup(request):
    form = TrackingForm(request.POST or None)
    if request.method != "POST":
        return _render(request, "tracking/lookup.html", {"form": form})
    if _limited(request):
        return _render(request, "tracking/lookup.html", {"form": TrackingForm(), "error": TOO_MANY}, status=429)
    order = None
    if form.is_valid():
        order = Order.objects.filter(number=_number(request)).only("number", "contact_phone", "anonymised_at").first()
    if order is not None and order.anonymised_at is not None:
        # No phone is kept to check against: say why instead of "wrong pair". The page shows
        # nothing personal, so confirming the number exists discloses nobody.
        return _render(request, "tracking/lookup.html", {"form": TrackingForm(), "error": ARCHIVED}, status=200)
    expected = last_four_digits(order.contact_phone) if order else "----"
    given = form.cleaned_data.get("phone_last4", "") if form.is_valid() else ""
    if order is None or not hmac.compare_digest(expected.encode(), given.encode()):
        _count_wrong_pair(request)
        return _render(request, "tracking/lookup.html", {"form": TrackingForm(), "error": WRONG_PAIR}, status=200)
    return redirect("tracking:signed", token=tracking_token(order))


@never_cache
def track_signed(request, token: str):
    if is_ratelimited(request, group="tracking:link", key="ip", rate="120/m", increment=True):
        return _render(request, "tracking/lookup.html", {"form": TrackingForm(), "error": TOO_MANY}, status=429)
    number = order_number_from_token(token)
    order = Order.objects.filter(number=number).first() if number else None
    if order is None:
        return _render(request, "tracking/lookup.html", {"form": TrackingForm(), "error": BAD_LINK}, status=400)
    if order.anonymised_at is not None:
        return _render(request, "tracking/archived.html", {"number": order.number})
    # What the customer may do after delivery (after-sales requests, ratings) comes from
    # the panels that after-sales registers for this page (ordermgmt/panels.py).
    return _render(request, "tracking/order.html", {"t": tracking_snapshot(order), "token": token, "order": order})
