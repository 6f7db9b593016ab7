"""收款核销: import a bank statement, review what the automatic matching left, match by
hand, reverse a match. Thin views: form → service → message → redirect."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fulfillment.models import Carrier
from ordermgmt.flash import perform
from ordermgmt.workbooks import BadFile
from orders.models import Order

from .. import settlement_selectors as selectors
from ..demo_reconciliation import SAMPLE_STATEMENT
from ..models import BankStatement, PaymentMatch, SettlementAccount, StatementLine
from ..services.reconciliation import bank_statement_import, line_ignore, line_match, match_reverse

VIEW = "finance.view_bankstatement"
RECONCILE = "finance.reconcile_payments"


@login_required
@permission_required(VIEW, raise_exception=True)
def reconciliation(request):
    return render(request, "finance/reconciliation.html", {
        "statements": selectors.statements_with_counts()[:30],
        "to_review": selectors.lines_to_review()[:200],
        "accounts": SettlementAccount.objects.filter(is_active=True),
        "sample_available": default_storage.exists(SAMPLE_STATEMENT),
        "can_import": request.user.has_perm("finance.import_bankstatement"),
    })


def _import(request, account, name: str, data: bytes):
    try:
        ok, statement = perform(request, lambda: bank_statement_import(account=account, user=request.user,
                                                                       file_name=name, data=data))
    except BadFile as error:
        messages.error(request, str(error))
        return redirect("finance:reconciliation")
    if not ok:
        return redirect("finance:reconciliation")
    lines = statement.lines.all()
    matched = sum(1 for line in lines if line.status == "matched")
    messages.success(request, _("已导入 %(count)s 笔收入，自动核销 %(matched)s 笔；%(problems)s 行未导入（见对账单）") % {
        "count": len(lines), "matched": matched, "problems": len(statement.problems)})
    return redirect("finance:statement", pk=statement.pk)


@login_required
@require_POST
@permission_required("finance.import_bankstatement", raise_exception=True)
def statement_import(request):
    account = get_object_or_404(SettlementAccount, pk=request.POST.get("account") or 0)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择对账单文件（.xlsx 或 .csv）"))
        return redirect("finance:reconciliation")
    return _import(request, account, upload.name, upload.read())


@login_required
@require_POST
@permission_required("finance.import_bankstatement", raise_exception=True)
def sample_import(request):
    """导入示例对账单 (demo): the sample file shipped with the demo data, into the first bank account."""
    account = SettlementAccount.objects.filter(kind=SettlementAccount.Kind.BANK, is_active=True).first()
    if account is None or not default_storage.exists(SAMPLE_STATEMENT):
        raise Http404
    with default_storage.open(SAMPLE_STATEMENT) as handle:
        return _import(request, account, "示例银行对账单.xlsx", handle.read())


@login_required
@permission_required(VIEW, raise_exception=True)
def sample_download(request):
    if not default_storage.exists(SAMPLE_STATEMENT):
        raise Http404
    return FileResponse(default_storage.open(SAMPLE_STATEMENT), as_attachment=True, filename="示例银行对账单.xlsx")


@login_required
@permission_required(VIEW, raise_exception=True)
def statement_detail(request, pk: int):
    statement = get_object_or_404(BankStatement.objects.select_related("account", "imported_by"), pk=pk)
    return render(request, "finance/statement.html", {
        "statement": statement,
        "lines": selectors.statement_lines(statement),
        "carriers": Carrier.objects.filter(is_active=True),
        "can_reconcile": request.user.has_perm(RECONCILE),
    })


def _allocations(post) -> list[tuple[Order, Decimal]]:
    """Up to five ``order_N``/``amount_N`` pairs of the manual match form."""
    pairs = []
    for n in range(1, 6):
        number = (post.get(f"order_{n}") or "").strip()
        if not number:
            continue
        order = Order.objects.filter(number=number).select_related("customer").first()
        if order is None:
            raise ValueError(_("找不到订单号“%(number)s”") % {"number": number})
        try:
            amount = Decimal((post.get(f"amount_{n}") or "").replace(",", "").strip() or order.balance_due)
        except InvalidOperation:
            raise ValueError(_("订单 %(number)s 的金额不是数字") % {"number": number}) from None
        pairs.append((order, amount))
    return pairs


@login_required
@require_POST
@permission_required(RECONCILE, raise_exception=True)
def line_match_view(request, pk: int):
    line = get_object_or_404(StatementLine, pk=pk)
    try:
        allocations = _allocations(request.POST)
        opening = Decimal((request.POST.get("opening") or "0").replace(",", ""))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("finance:statement", pk=line.statement_id)
    except InvalidOperation:
        messages.error(request, _("期初应收金额不是数字"))
        return redirect("finance:statement", pk=line.statement_id)
    carrier = Carrier.objects.filter(pk=request.POST.get("carrier") or 0).first()
    perform(request, lambda: line_match(line=line, user=request.user, orders=allocations, opening=opening,
                                        to_credit=bool(request.POST.get("to_credit")), carrier=carrier),
            success=_("第 %(row)s 行已核销") % {"row": line.row_number})
    return redirect("finance:statement", pk=line.statement_id)


@login_required
@require_POST
@permission_required(RECONCILE, raise_exception=True)
def line_ignore_view(request, pk: int):
    line = get_object_or_404(StatementLine, pk=pk)
    perform(request, lambda: line_ignore(line=line, user=request.user, note=request.POST.get("note", "")),
            success=_("第 %(row)s 行已标记为非货款") % {"row": line.row_number})
    return redirect("finance:statement", pk=line.statement_id)


@login_required
@require_POST
@permission_required(RECONCILE, raise_exception=True)
def match_reverse_view(request, pk: int):
    match = get_object_or_404(PaymentMatch.objects.select_related("line"), pk=pk)
    perform(request, lambda: match_reverse(match=match, user=request.user, reason=request.POST.get("reason", "")),
            success=_("核销已冲销"))
    return redirect("finance:statement", pk=match.line.statement_id)
