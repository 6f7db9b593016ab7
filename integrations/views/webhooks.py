from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from ordermgmt.flash import perform

from .. import selectors
from ..forms import SubscriptionForm
from ..models import ApiClient, WebhookDelivery, WebhookSubscription
from ..models.webhooks import DeliveryStatus
from ..services import (
    webhook_delivery_replay,
    webhook_subscription_create,
    webhook_subscription_enable,
    webhook_subscription_update,
)


@login_required
@permission_required("integrations.add_webhooksubscription", raise_exception=True)
def subscription_new(request, pk: int):
    """The signing secret is on the answer to the POST only."""
    client = get_object_or_404(ApiClient, pk=pk)
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, created = perform(request, lambda: webhook_subscription_create(user=request.user, client=client,
                                                                           **form.cleaned_data))
        if ok:
            subscription, secret = created
            return render(request, "integrations/subscription_created.html",
                          {"client": client, "subscription": subscription, "secret": secret})
    return render(request, "integrations/subscription_form.html", {"form": form, "client": client},
                  status=400 if request.method == "POST" else 200)


@login_required
@permission_required("integrations.change_webhooksubscription", raise_exception=True)
def subscription_edit(request, pk: int):
    subscription = get_object_or_404(WebhookSubscription.objects.select_related("client"), pk=pk)
    initial = {"url": subscription.url, "event_types": subscription.event_types,
               "description": subscription.description, "is_active": subscription.is_active}
    form = SubscriptionForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        ok, _ = perform(request, lambda: webhook_subscription_update(user=request.user, subscription=subscription,
                                                                     **form.cleaned_data),
                        gettext("订阅已保存"))
        if ok:
            return redirect("integrations:client", subscription.client_id)
    return render(request, "integrations/subscription_form.html",
                  {"form": form, "client": subscription.client, "subscription": subscription},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
@permission_required("integrations.change_webhooksubscription", raise_exception=True)
def subscription_enable(request, pk: int):
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    perform(request, lambda: webhook_subscription_enable(user=request.user, subscription=subscription),
            gettext("订阅已重新启用，等待中的事件将陆续投递"))
    return redirect("integrations:client", subscription.client_id)


@login_required
@permission_required("integrations.view_webhookdelivery", raise_exception=True)
def delivery_log(request):
    subscription = None
    if request.GET.get("subscription", "").isdigit():
        subscription = WebhookSubscription.objects.filter(pk=request.GET["subscription"]).first()
    status = request.GET.get("status", "")
    if status not in DeliveryStatus.values:
        status = ""
    query = request.GET.get("q", "").strip()
    deliveries = selectors.delivery_log(subscription=subscription, status=status, query=query)
    page = Paginator(deliveries.prefetch_related("attempt_log"), 30).get_page(request.GET.get("page"))
    return render(request, "integrations/delivery_log.html", {
        "page": page, "subscription": subscription, "status": status, "statuses": DeliveryStatus.choices, "q": query,
        "can_replay": request.user.has_perm("integrations.replay_webhookdelivery"),
    })


@login_required
@require_POST
@permission_required("integrations.replay_webhookdelivery", raise_exception=True)
def delivery_replay(request, pk: int):
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    perform(request, lambda: webhook_delivery_replay(delivery=delivery, user=request.user),
            gettext("已重新投递，结果见投递记录"))
    return redirect(reverse("integrations:deliveries") + f"?subscription={delivery.subscription_id}")
