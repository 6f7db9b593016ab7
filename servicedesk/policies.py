"""The service desk's business rules, in the platform's policy registry (业务规则 page):
complaint due times by severity in working hours, and the goodwill refund a 客服 may pay
without a 主管. The stage thresholds are declared with their stages (stages.py)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from ordermgmt.policies import PolicyDef, register

from .models import Severity


def _hours(severity: str, kind: str, label, default: int, help_text) -> PolicyDef:
    return register(PolicyDef(
        f"complaint_{kind}_hours_{severity}", label, int, default, minimum=1, maximum=24 * 30,
        help_text=help_text, group="投诉",
    ))


_RESPOND_HELP = _("从受理起，在这么多工作小时内应首次响应客户（开始处理）；工作时间 09:00–18:00，不含周末和节假日")
_RESOLVE_HELP = _("从受理（或重新打开）起，在这么多工作小时内应提交处理结果；一个工作日按 9 小时计")

RESPONSE_HOURS = {
    Severity.CRITICAL: _hours(Severity.CRITICAL, "response", _("紧急投诉首次响应时限(工作小时)"), 1, _RESPOND_HELP),
    Severity.HIGH: _hours(Severity.HIGH, "response", _("严重投诉首次响应时限(工作小时)"), 2, _RESPOND_HELP),
    Severity.NORMAL: _hours(Severity.NORMAL, "response", _("一般投诉首次响应时限(工作小时)"), 4, _RESPOND_HELP),
    Severity.LOW: _hours(Severity.LOW, "response", _("轻微投诉首次响应时限(工作小时)"), 9, _RESPOND_HELP),
}
RESOLVE_HOURS = {
    Severity.CRITICAL: _hours(Severity.CRITICAL, "resolve", _("紧急投诉处理时限(工作小时)"), 9, _RESOLVE_HELP),
    Severity.HIGH: _hours(Severity.HIGH, "resolve", _("严重投诉处理时限(工作小时)"), 18, _RESOLVE_HELP),
    Severity.NORMAL: _hours(Severity.NORMAL, "resolve", _("一般投诉处理时限(工作小时)"), 27, _RESOLVE_HELP),
    Severity.LOW: _hours(Severity.LOW, "resolve", _("轻微投诉处理时限(工作小时)"), 45, _RESOLVE_HELP),
}
GOODWILL_APPROVAL_AMOUNT = register(PolicyDef(
    "complaint_goodwill_approval_amount", _("投诉补偿退款需主管审批的金额(元)"), Decimal, Decimal("200.00"),
    help_text=_("补偿退款超过此金额时，须由申请人以外的主管审批后才退款"), group="投诉",
))
