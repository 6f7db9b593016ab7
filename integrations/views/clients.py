from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from ordermgmt.flash import perform
from ordermgmt.history import history_entries, history_page

from .. import selectors
from ..forms import ApiClientForm, TokenIssueForm
from ..models import ApiClient, ApiToken
from ..services import api_client_create, api_client_update, api_token_issue, api_token_revoke


@login_required
@permission_required("integrations.view_apiclient", raise_exception=True)
def home(request):
    return render(request, "integrations/home.html", {
        "clients": selectors.clients_overview(),
        "disabled_subscriptions": selectors.disabled_subscriptions(),
        "payments_to_review": selectors.payments_awaiting_review().count(),
    })


@login_required
@permission_required("integrations.add_apiclient", raise_exception=True)
def client_new(request):
    form = ApiClientForm(request.POST or None, initial={"owner": request.user})
    if request.method == "POST" and form.is_valid():
        ok, client = perform(request, lambda: api_client_create(user=request.user, **form.cleaned_data),
                             gettext("客户端已创建，请签发令牌"))
        if ok:
            return redirect("integrations:client", client.pk)
    return render(request, "integrations/client_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@permission_required("integrations.view_apiclient", raise_exception=True)
def client_detail(request, pk: int):
    client = get_object_or_404(ApiClient.objects.select_related("owner"), pk=pk)
    return render(request, "integrations/client_detail.html", _client_context(client))


@login_required
@permission_required("integrations.view_apiclient", raise_exception=True)
def client_history(request, pk: int):
    client = get_object_or_404(ApiClient, pk=pk)
    return history_page(request, title=client.name,
                        entries=history_entries([client.history.all()], label=lambda record: gettext("客户端设置")),
                        back_url=reverse("integrations:client", args=[pk]), back_label=gettext("返回客户端"))


def _client_context(client: ApiClient, **extra) -> dict:
    return {
        "client": client,
        "tokens": client.tokens.select_related("created_by", "revoked_by").order_by("-created_at", "-id"),
        "stats": selectors.client_call_stats(client),
        "calls": selectors.recent_calls(client),
        "subscriptions": client.subscriptions.order_by("id"),
        "token_form": TokenIssueForm(),
        **extra,
    }


@login_required
@permission_required("integrations.change_apiclient", raise_exception=True)
def client_edit(request, pk: int):
    client = get_object_or_404(ApiClient, pk=pk)
    initial = {name: getattr(client, name) for name in ("name", "owner", "scopes", "rate_limit", "allowed_ips", "notes",
                                                        "is_active")}
    form = ApiClientForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        ok, _ = perform(request, lambda: api_client_update(user=request.user, client=client, **form.cleaned_data),
                        gettext("客户端已保存"))
        if ok:
            return redirect("integrations:client", client.pk)
    return render(request, "integrations/client_form.html", {"form": form, "client": client},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
@permission_required("integrations.change_apiclient", raise_exception=True)
def token_issue(request, pk: int):
    """The token is on this answer only (never stored, never in a redirect or a message)."""
    client = get_object_or_404(ApiClient, pk=pk)
    form = TokenIssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("请选择轮换过渡期"))
        return redirect("integrations:client", client.pk)
    ok, issued = perform(request, lambda: api_token_issue(user=request.user, client=client,
                                                          grace_hours=form.grace_hours()))
    if not ok:
        return redirect("integrations:client", client.pk)
    token, raw = issued
    return render(request, "integrations/token_issued.html", {"client": client, "token": token, "raw": raw})


@login_required
@require_POST
@permission_required("integrations.change_apiclient", raise_exception=True)
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk)
    perform(request, lambda: api_token_revoke(user=request.user, token=token),
            gettext("令牌 %(prefix)s… 已吊销") % {"prefix": token.prefix})
    return redirect("integrations:client", token.client_id)

