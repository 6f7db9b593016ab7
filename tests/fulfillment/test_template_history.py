"""Notice templates keep every version: who changed the text a customer receives, and from what."""

import pytest
from django.urls import reverse

from fulfillment.models import NotificationTemplate

pytestmark = pytest.mark.django_db


def test_a_template_edit_is_in_its_history_with_the_old_and_new_text(client, staff):
    template = NotificationTemplate.objects.get(key="order_approved", channel="sms")
    old_body = template.body
    client.force_login(staff["manager"])
    response = client.post(reverse("fulfillment:template_edit", args=[template.pk]),
                           {"body": "【华兴】{联系人}您好，订单{订单号}已受理。", "is_active": "on"})
    assert response.status_code == 302
    assert template.history.latest().history_user == staff["manager"]
    # The text from before history was kept is its first version (the migration's baseline).
    assert template.history.earliest().history_change_reason == "开始记录历史时的状态"

    page = client.get(reverse("fulfillment:template_history", args=[template.pk])).content.decode()
    assert "【华兴】{联系人}您好，订单{订单号}已受理。" in page
    assert old_body.split("{")[0] in page
    assert reverse("fulfillment:template_history", args=[template.pk]) in \
        client.get(reverse("fulfillment:template_edit", args=[template.pk])).content.decode()


def test_who_may_not_edit_templates_may_not_read_their_history(client, staff):
    template = NotificationTemplate.objects.get(key="order_approved", channel="sms")
    client.force_login(staff["service"])
    assert client.get(reverse("fulfillment:template_history", args=[template.pk])).status_code == 403
