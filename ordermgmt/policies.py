"""Business rules that a 主管 can change in the portal without a deployment.

Each policy is declared here with its label, type, default and bounds; its current value is
stored in the database (``ordermgmt.PolicyValue``) and every change is logged
(``ordermgmt.PolicyChange``: who, when, old, new, why).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .errors import ActionForbidden, InvalidInput
from .history import attribute_change
from .models import PolicyChange, PolicyValue
from .money import parse_money, parse_quantity
from .scoped_cache import cached, forget


@dataclass(frozen=True)
class PolicyDef:
    key: str
    label: str
    kind: type  # Decimal or int
    default: Decimal | int
    minimum: Decimal | int = 0
    maximum: Decimal | int | None = None
    help_text: str = ""
    group: str = "审核"

    def parse(self, raw) -> Decimal | int:
        """The value typed by a 主管 (or stored), read by the platform's number parsers;
        a refusal names the rule and its bounds."""
        try:
            if self.kind is int:
                return parse_quantity(raw, label=self.label, minimum=self.minimum, maximum=self.maximum)
            return parse_money(raw, label=self.label, minimum=self.minimum, maximum=self.maximum)
        except InvalidInput as refused:
            raise self._refusal(refused) from None

    def _refusal(self, refused: InvalidInput) -> InvalidInput:
        if refused.code == "invalid":
            message = gettext("“%(rule)s”必须是整数") if self.kind is int else gettext("“%(rule)s”必须是数字")
        elif refused.code in ("min_value", "max_value") and self.maximum is not None:
            message = gettext("“%(rule)s”必须在 %(minimum)s 到 %(maximum)s 之间")
        elif refused.code == "min_value":
            message = gettext("“%(rule)s”必须不小于 %(minimum)s")
        else:  # beyond what the column holds, or more than two decimals: the parser says it best
            return refused
        return InvalidInput(message % {"rule": self.label, "minimum": self.minimum, "maximum": self.maximum})


REGISTRY: dict[str, PolicyDef] = {}


def register(definition: PolicyDef) -> PolicyDef:
    REGISTRY[definition.key] = definition
    return definition


MANUAL_REVIEW_THRESHOLD = register(
    PolicyDef(
        "manual_review_threshold",
        _("人工审核金额阈值(元)"),
        Decimal,
        Decimal("50000.00"),
        help_text=_("价税合计超过此金额的订单必须由审核员人工审核"),
    )
)
DUPLICATE_WINDOW_HOURS = register(
    PolicyDef(
        "duplicate_window_hours",
        _("重复订单检查时间窗(小时)"),
        int,
        24,
        minimum=1,
        maximum=24 * 30,
        help_text=_("同一客户、相同商品和数量的订单在此时间内重复出现时提示"),
    )
)

SESSION_IDLE_HOURS = register(
    PolicyDef(
        "session_idle_hours",
        _("登录空闲超时(小时)"),
        int,
        8,
        minimum=1,
        maximum=24 * 7,
        help_text=_("员工登录后连续这么久没有任何操作，即自动退出，需重新登录"),
        group="安全",
    )
)


# Retention (个人信息保护法 第19条: kept no longer than needed). Amounts, invoices and payments
# are accounting records and stay; only the people's data is anonymised (orders.services.retention).
ARCHIVED_ORDER_RETENTION_YEARS = register(
    PolicyDef(
        "archived_order_retention_years",
        _("已归档订单个人信息保存年限"),
        int,
        3,
        minimum=1,
        maximum=30,
        help_text=_("已完成、已关闭或已取消的订单，结束满此年数后，其收货人姓名、电话、邮箱和详细地址将被匿名化"),
        group="个人信息",
    )
)
INACTIVE_CUSTOMER_RETENTION_YEARS = register(
    PolicyDef(
        "inactive_customer_retention_years",
        _("无订单客户个人信息保存年限"),
        int,
        3,
        minimum=1,
        maximum=30,
        help_text=_("客户连续此年数没有任何订单时，其联系人和收货地址中的个人信息将被匿名化"),
        group="个人信息",
    )
)


# Finance (issue 20): refunds that wait for 财务, and how a compensation is settled.
REFUND_APPROVAL_AMOUNT = register(
    PolicyDef(
        "refund_approval_amount",
        _("退款财务审批金额(元)"),
        Decimal,
        Decimal("5000.00"),
        help_text=_("单笔退款超过此金额时，须由另一位财务人员审批后才算退出"),
        group="财务",
    )
)
COMPENSATION_TO_CREDIT = register(
    PolicyDef(
        "compensation_to_credit",
        _("赔偿/补偿转入客户余额"),
        int,
        0,
        minimum=0,
        maximum=1,
        help_text=_("0：客户已付的部分退回客户；1：转入客户余额，抵扣下一张订单"),
        group="财务",
    )
)


def _stored_values() -> dict[str, str]:
    return dict(PolicyValue.objects.values_list("key", "value"))


def get_policy(definition: PolicyDef):
    """The current value; every policy is read in one query, once per request or task
    (``ordermgmt.scoped_cache``)."""
    stored = cached(("policies",), _stored_values).get(definition.key)
    return definition.default if stored is None else definition.parse(stored)


@transaction.atomic
def policy_update(*, user, definition: PolicyDef, value, reason: str) -> None:
    if user is not None and not user.has_perm("ordermgmt.change_policyvalue"):
        raise ActionForbidden(gettext("只有主管可以修改业务规则"))
    if not (reason or "").strip():
        raise InvalidInput(gettext("修改业务规则必须填写原因"))
    new_value = definition.parse(value)
    row = PolicyValue.objects.select_for_update().filter(key=definition.key).first()
    old_value = definition.default if row is None else definition.parse(row.value)
    if new_value == old_value:
        return
    row = row or PolicyValue(key=definition.key)
    row.value, row.updated_by = str(new_value), user
    attribute_change(row, user, reason.strip()).save()
    PolicyChange.objects.create(
        key=definition.key, old_value=str(old_value), new_value=str(new_value), changed_by=user, reason=reason.strip()
    )
    forget("policies")
MAX_MANUAL_DISCOUNT_PERCENT = register(
    PolicyDef(
        "max_manual_discount_percent",
        _("手工改价最大让利(%)"),
        Decimal,
        Decimal("10.00"),
        maximum=Decimal("100"),
        help_text=_("手工价比规则价低出此比例（或低于商品最低售价）时，需主管在审核中批准"),
        group="价格",
    )
)
SUPPORT_DAYS = register(PolicyDef(
    "after_sales_support_days", _("售后服务期(天)"), int, 30, minimum=1, maximum=365,
    help_text=_("交付后多少天内客户可以在查询页自助申请售后"), group="售后",
))
RETURN_SLA_WORKING_DAYS = register(PolicyDef(
    "return_sla_working_days", _("退货处理时限(工作日)"), int, 7, minimum=1, maximum=60,
    help_text=_("退货退款、维修工单从登记起的处理时限"), group="售后",
))
EXCHANGE_SLA_WORKING_DAYS = register(PolicyDef(
    "exchange_sla_working_days", _("换货送达时限(工作日)"), int, 3, minimum=1, maximum=60,
    help_text=_("换货工单从登记起到换货送达的时限"), group="售后",
))
CANCEL_REFUND_PERCENT_SHIPPED = register(PolicyDef(
    "cancel_refund_percent_shipped", _("已出库后取消退款比例(%)"), Decimal, Decimal("100.00"), maximum=Decimal("100"),
    help_text=_("订单已出库、尚未揽收时取消，退还货款的比例"), group="取消",
))
CANCEL_REFUND_PERCENT_IN_TRANSIT = register(PolicyDef(
    "cancel_refund_percent_in_transit", _("配送中取消退款比例(%)"), Decimal, Decimal("95.00"), maximum=Decimal("100"),
    help_text=_("订单配送途中取消，退还货款的比例"), group="取消",
))
RETURN_FREIGHT_FEE = register(PolicyDef(
    "cancel_return_freight_fee", _("发货后取消由客户承担的退货运费(元)"), Decimal, Decimal("20.00"),
    help_text=_("发货后取消时从退款中扣除"), group="取消",
))
