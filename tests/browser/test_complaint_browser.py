"""In Chromium: a customer on a phone files a complaint from the tracking page with a photo,
客服 takes it up and answers, the customer confirms on the complaint's page."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from fulfillment.tracking import tracking_token
from ordermgmt import roles
from servicedesk.models import Complaint, ComplaintCategory, ComplaintStatus
from tests.browser.conftest import login
from tests.factories import UserFactory, delivered_order

pytestmark = [pytest.mark.browser]


def test_a_customer_complains_on_a_phone_service_resolves_and_the_customer_confirms(page, live_server, shop, tmp_path):
    UserFactory(username="chenjing", first_name="陈静", roles=[roles.SERVICE])
    order = delivered_order(quantity=2, customer=shop["customer"], contact_email="buyer@example.com")
    photo = tmp_path / "box.png"
    Image.new("RGB", (40, 30), "brown").save(photo)

    # The customer, on a phone, from the link in the delivery notice.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/track/s/{tracking_token(order)}/")
    page.click("[data-testid=complaint-form] summary")
    form = page.locator("[data-testid=complaint-form]")
    form.locator("select[name=complaint-category]").select_option(label="商品质量")
    form.locator("textarea[name=complaint-description]").fill("外箱压坏，桌角有凹痕")
    form.locator("input[name=complaint-photos]").set_input_files(str(photo))
    page.click("[data-testid=submit-complaint]")
    expect(page.locator(".notice.success")).to_contain_text("您的投诉已受理，编号 TS")
    expect(page.locator("[data-testid=complaint-status]")).to_have_text("已受理")
    complaint = Complaint.objects.get()
    complaint_page = page.url
    assert complaint.attachments.count() == 1

    # 客服 at the desk: the new complaint is in the bell and unassigned.
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, "chenjing")
    expect(page.locator("[data-testid=unread-count]")).to_have_text("1")
    expect(page.locator("[data-testid=unassigned-complaints]")).to_contain_text(complaint.number)
    page.click(f"[data-testid=unassigned-complaints] >> text={complaint.number}")
    page.click("button[data-action=start]")
    expect(page.locator("[data-testid=complaint-status]")).to_have_text("处理中")
    expect(page.locator("[data-testid=assignee]")).to_have_text("陈静")
    page.fill("textarea[name=resolution]", "已为您免费更换新桌，明日送达，旧桌由快递上门取回")
    page.click("button[data-action=propose]")
    expect(page.locator("[data-testid=complaint-status]")).to_have_text("待客户确认")
    page.click("form[action$='/accounts/logout/'] button")

    # The customer confirms on the complaint's page (the link in the notice).
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(complaint_page)
    expect(page.locator("[data-testid=complaint-resolution]")).to_contain_text("免费更换新桌")
    page.check("input[name=satisfaction][value=satisfied]")
    page.fill("textarea[name=comment]", "处理很快")
    page.click("[data-testid=confirm-resolved]")
    expect(page.locator(".notice.success")).to_contain_text("感谢您的确认")
    expect(page.locator("[data-testid=complaint-status]")).to_have_text("已解决")

    complaint.refresh_from_db()
    assert (complaint.status, complaint.satisfaction, complaint.channel) == (ComplaintStatus.RESOLVED, "satisfied", "tracking")
    assert [e.action for e in complaint.events.all()] == ["open", "start", "propose", "confirm"]
    assert ComplaintCategory.objects.filter(pk=complaint.category_id, name="商品质量").exists()
