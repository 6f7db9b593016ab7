"""The kinds of staff notification, as one table: what each tells, and how it is delivered
unless the user chose otherwise (通知设置: in the portal, a daily e-mail digest, or off).

Who receives each kind and what raises it is written next to its listener (receivers.py)
or service; this table is what a user reads on the settings page."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    PORTAL = "portal", _("站内提醒")
    DIGEST = "digest", _("每日邮件汇总")
    OFF = "off", _("不接收")


@dataclass(frozen=True)
class NoticeKind:
    key: str
    label: str
    description: str
    default: str = Delivery.PORTAL


URGENT_ORDER = "urgent_order"
ORDER_REJECTED = "order_rejected"
STAGE_FLAG = "stage_flag"
COMPLAINT_NEW = "complaint_new"
COMPLAINT_ASSIGNED = "complaint_assigned"
COMPLAINT_ESCALATED = "complaint_escalated"
COMPLAINT_NOTE = "complaint_note"
GOODWILL_APPROVAL = "goodwill_approval"
CUSTOMER_NOTICE_FAILED = "customer_notice_failed"
WEBHOOK_DISABLED = "webhook_disabled"
REPORT_READY = "report_ready"
REFUND_APPROVAL = "refund_approval"

KINDS: dict[str, NoticeKind] = {
    kind.key: kind
    for kind in [
        NoticeKind(URGENT_ORDER, _("加急订单进入我的待办"), _("一张加急订单到了我的角色处理的环节")),
        NoticeKind(ORDER_REJECTED, _("我的订单被驳回"), _("我负责或录入的订单被审核驳回，需要修改后重新提交")),
        NoticeKind(STAGE_FLAG, _("订单停留超时"), _("我负责的订单，或我的角色处理的环节里的订单，停留超过了时限")),
        NoticeKind(COMPLAINT_NEW, _("客户提交了新投诉"), _("客户在订单查询页提交了投诉，等待客服受理")),
        NoticeKind(COMPLAINT_ASSIGNED, _("投诉分派给我"), _("一件投诉由我负责处理")),
        NoticeKind(COMPLAINT_ESCALATED, _("投诉超时或升级"), _("投诉超过处理时限或被升级给主管")),
        NoticeKind(COMPLAINT_NOTE, _("投诉转告"), _("客服把投诉的处理情况转告给客户的销售负责人")),
        NoticeKind(GOODWILL_APPROVAL, _("补偿退款待审批"), _("超过审批金额的投诉补偿退款等待主管审批")),
        NoticeKind(CUSTOMER_NOTICE_FAILED, _("客户通知发送失败"), _("发给客户的邮件或短信多次重试后仍然失败")),
        NoticeKind(WEBHOOK_DISABLED, _("Webhook 订阅已停用"), _("对接系统的 Webhook 订阅因连续失败被停用")),
        NoticeKind(REPORT_READY, _("月度报表已生成"), _("订单分析月报已经生成，可以查看和下载")),
        NoticeKind(REFUND_APPROVAL, _("退款待财务审批"), _("超过审批金额或退往非付款账号的退款，等待另一位财务审批")),
    ]
}
KIND_CHOICES = [(kind.key, kind.label) for kind in KINDS.values()]
