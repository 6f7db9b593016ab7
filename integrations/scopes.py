"""What an API client may do: one table, read by the API's permission check, the portal's
client form and the ``api_client_create`` command."""

from django.utils.translation import gettext_lazy as _

ORDERS_READ = "orders:read"
ORDERS_READ_ALL = "orders:read_all"
ORDERS_WRITE = "orders:write"
PAYMENTS_WRITE = "payments:write"
WEBHOOKS_MANAGE = "webhooks:manage"

SCOPES = {
    ORDERS_READ: _("读取本渠道的订单"),
    ORDERS_READ_ALL: _("读取所有渠道的订单（财务、ERP 系统）"),
    ORDERS_WRITE: _("推送订单、取消订单、修改审核前的收货信息"),
    PAYMENTS_WRITE: _("登记收款"),
    WEBHOOKS_MANAGE: _("管理 Webhook 订阅"),
}

# A new client pushes and reads its own channel's orders unless told otherwise.
DEFAULT_SCOPES = [ORDERS_READ, ORDERS_WRITE]

# A scope that includes another: reading every channel includes reading one's own.
IMPLIED = {ORDERS_READ_ALL: {ORDERS_READ}}


def granted(scopes) -> set[str]:
    """The scopes a client holds, with the ones they imply."""
    held = set(scopes or ())
    for scope in list(held):
        held |= IMPLIED.get(scope, set())
    return held
