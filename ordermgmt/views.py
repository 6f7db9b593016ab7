import math

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from . import policies
from .addresses import parse_address_line
from .errors import BusinessError
from .history import history_entries, history_page
from .models import PolicyChange, PolicyValue, RoleChange


@login_required
def home(request):
    """The home page: my queue, and what else each role works on (the dashboard, after-sales
    cases…), from the panels the apps register (ordermgmt/panels.py)."""
    return render(request, "portal/home.html")


@login_required
def address_parse(request):
    """A pasted address line split into 省/市/区 and the rest, for the order and customer
    forms; ``problem`` names what could not be recognised (an unknown city)."""
    parsed = parse_address_line(request.GET.get("line", "")[:300])
    return JsonResponse(
        {"province": parsed.province, "city": parsed.city, "district": parsed.district,
         "detail": parsed.detail, "problem": parsed.problem},
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
def policy_settings(request):
    """业务规则设置: 主管 change the values the services read (e.g. the manual-review threshold)."""
    if not request.user.has_perm("ordermgmt.view_policyvalue"):
        raise PermissionDenied(_("只有主管可以查看业务规则"))
    can_change = request.user.has_perm("ordermgmt.change_policyvalue")
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(_("只有主管可以修改业务规则"))
        definition = policies.REGISTRY.get(request.POST.get("key", ""))
        if definition is None:
            messages.error(request, _("未知的业务规则"))
        else:
            try:
                policies.policy_update(
                    user=request.user, definition=definition, value=request.POST.get("value", ""),
                    reason=request.POST.get("reason", ""),
                )
            except BusinessError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("“%(rule)s”已更新") % {"rule": definition.label})
        return redirect("portal:policies")
    rows = [(definition, policies.get_policy(definition)) for definition in policies.REGISTRY.values()]
    changes = Paginator(PolicyChange.objects.select_related("changed_by"), 20).get_page(request.GET.get("page"))
    labels = {key: definition.label for key, definition in policies.REGISTRY.items()}
    return render(
        request,
        "portal/policies.html",
        {"rows": rows, "page": changes, "labels": labels, "can_change": can_change},
    )


@login_required
def policy_history(request, key: str):
    """历史 of one business rule's stored value (the 修改记录 above lists every rule's)."""
    if not request.user.has_perm("ordermgmt.view_policyvalue"):
        raise PermissionDenied(_("只有主管可以查看业务规则"))
    definition = policies.REGISTRY.get(key)
    if definition is None:
        raise Http404(_("未知的业务规则"))
    entries = history_entries([PolicyValue.history.filter(key=key)], label=lambda record: str(definition.label))
    return history_page(request, title=str(definition.label), entries=entries,
                        back_url=reverse("portal:policies"), back_label=_("返回业务规则"))


@login_required
def role_changes(request):
    """角色变更记录: who gave or took which role from whom, and when."""
    if not request.user.has_perm("ordermgmt.view_rolechange"):
        raise PermissionDenied(_("只有主管可以查看角色变更记录"))
    changes = RoleChange.objects.select_related("user", "changed_by")
    return render(request, "portal/role_changes.html", {
        "page": Paginator(changes, 30).get_page(request.GET.get("page")),
    })


def login_locked_out(request, original_response=None, credentials=None):
    """The answer to a login whose username + address is locked by django-axes
    (``AXES_LOCKOUT_CALLABLE``): the login page's look, the wait in minutes, who can help."""
    minutes = max(1, math.ceil(get_cool_off(request).total_seconds() / 60))
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


def server_error(request):
    """The 500 page, with the request id a user can quote (the same id is on every log line
    of that request). Rendered without the portal's context processors: they read the
    database, which may be what failed."""
    from django.http import HttpResponseServerError
    from django.template import loader

    from .logcontext import current_request_id

    template = loader.get_template("500.html")
    request_id = getattr(request, "request_id", "") or current_request_id()
    return HttpResponseServerError(template.render({"request_id": request_id}))
