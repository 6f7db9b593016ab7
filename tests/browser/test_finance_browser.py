"""In Chromium, the finance user's day on the demo data (issue 20, "Done when"): from the
财务工作台 an invoice is drafted and issued with the tax system's number and date, the sample
bank statement shipped with the demo is imported and most of its lines match, a customer's
statement is opened and downloaded as PDF from the ageing report, and the monthly report shows
the margin."""

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from finance.models import BankStatement, Invoice, InvoiceStatus
from ordermgmt.demo import DEMO_PASSWORD
from reports.periods import previous_month
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser]

INVOICE_NUMBER = "26312000000900000001"


@pytest.fixture
def demo(transactional_db, reference_data, chromium_available, settings):
    """The demo data, as `make run` seeds it. The demo password is refused unless demo data is
    allowed (DEBUG), which a test run switches off."""
    settings.DEMO_DATA_ALLOWED = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def _download(page, click: str):
    with page.expect_download() as download:
        page.click(click)
    return download.value


def test_the_finance_user_invoices_reconciles_sends_a_statement_and_reads_the_margin(page, live_server, demo):
    # Signs in through the form, like anyone (django-axes counts the attempt; it succeeds).
    login(page, live_server, "finance", DEMO_PASSWORD)
    expect(page.locator("[data-testid=current-user]")).to_contain_text("黄敏")

    # 财务工作台: the orders waiting for an invoice, grouped by customer.
    page.click("nav.mainnav >> text=财务")
    expect(page.locator("h1")).to_have_text("财务工作台")
    first_group = page.locator("[data-testid=awaiting-invoice] form.invoice-group").first
    order_number = first_group.locator("input[name=orders]:checked").first.get_attribute("value")
    first_group.locator("button:has-text('生成待开发票')").click()
    expect(page.locator(".msg.success")).to_contain_text("已生成待开发票")
    expect(page.locator("[data-testid=invoice-status]")).to_have_text("待开票")
    expect(page.locator("main")).to_contain_text(order_number)

    # The tax system issued it: its number and date are entered.
    issued_on = timezone.localdate()
    form = page.locator("[data-testid=issue-form]")
    form.locator("input[name=number]").fill(INVOICE_NUMBER)
    form.locator("input[name=issued_on]").fill(issued_on.isoformat())
    form.locator("button[type=submit]").click()
    expect(page.locator(".msg.success")).to_contain_text(f"发票已开具：{INVOICE_NUMBER}")
    expect(page.locator("[data-testid=invoice-status]")).to_have_text("已开票")
    expect(page.locator("h1")).to_contain_text(INVOICE_NUMBER)
    invoice = Invoice.objects.get(number=INVOICE_NUMBER)
    assert invoice.status == InvoiceStatus.ISSUED and invoice.issued_on == issued_on
    expect(page.locator("[data-testid=invoice-total]")).to_have_text(f"¥{invoice.total:,.2f}")
    pdf = _download(page, "[data-testid=invoice-pdf]")
    assert pdf.suggested_filename == f"{INVOICE_NUMBER}.pdf"
    assert open(pdf.path(), "rb").read(4) == b"%PDF"

    # 收款核销: the sample bank statement of the demo, imported into the bank account.
    page.click("nav.mainnav >> text=收款核销")
    page.click("[data-testid=import-sample]")
    expect(page.locator(".msg.success")).to_contain_text("自动核销")
    statement = BankStatement.objects.get()
    lines = list(statement.lines.all())
    matched = [line for line in lines if line.status == "matched"]
    assert len(matched) > len(lines) / 2, "most payments match by themselves"
    table = page.locator("[data-testid=statement-lines]")
    expect(table.locator("tbody tr[data-status=matched]")).to_have_count(len(matched))
    expect(table.locator("tbody tr[data-status=matched]").first).to_contain_text("已核销")
    expect(table).to_contain_text("未匹配")

    # 应收账龄, and from it a customer's statement (对账单) as a page and as PDF.
    page.click("nav.mainnav >> text=应收账龄")
    ageing = page.locator("[data-testid=ageing]")
    expect(ageing.locator("thead")).to_contain_text("未到期")
    expect(ageing.locator("thead")).to_contain_text("逾期1–30天")
    expect(page.locator("[data-testid=ageing-total]")).to_contain_text("¥")
    customer_row = ageing.locator("tbody tr").first
    customer_name = customer_row.locator("td").first.inner_text()
    customer_row.locator("text=对账单").click()
    expect(page.locator("h1")).to_contain_text(f"对账单：{customer_name}")
    expect(page.locator("[data-testid=closing]")).to_contain_text("¥")
    statement_pdf = _download(page, "[data-testid=statement-pdf]")
    assert statement_pdf.suggested_filename.endswith(".pdf")
    assert open(statement_pdf.path(), "rb").read(4) == b"%PDF"

    # The monthly report of last month (the demo's analyst asked for it) with its margin.
    page.click("nav.mainnav >> text=报表")
    start, _ = previous_month(timezone.localdate())
    page.click(f"text={start:%Y年%m月} 订单分析月报")
    margin = page.locator("[data-testid=report-margin]")
    expect(margin).to_contain_text("毛利")
    expect(page.locator("[data-testid=margin-total]")).to_contain_text("¥")
