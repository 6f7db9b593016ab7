"""Each user's notifications: the list, marking read, and how to be told of each kind."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordermgmt.flash import perform

from .. import services
from ..forms import PreferencesForm
from ..models import NotificationPreference, StaffNotification
from ..notice_kinds import KINDS
from ..selectors import notifications_of, unread_count


@login_required
def notification_list(request):
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(notifications_of(request.user, unread_only=unread_only), 30).get_page(request.GET.get("page"))
    return render(request, "servicedesk/notifications.html", {
        "page": page, "unread_only": unread_only, "unread": unread_count(request.user), "kinds": KINDS,
        "query_string": "unread=1" if unread_only else "",
    })


@login_required
@require_POST
def notification_open(request, pk: int):
    """Mark read, then go where it points (a link of this site only)."""
    notification = get_object_or_404(StaffNotification, pk=pk, recipient=request.user)
    services.notification_mark_read(notification=notification, user=request.user)
    target = notification.link
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("servicedesk:notifications")


@login_required
@require_POST
def notification_read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(count)s 条通知标为已读") % {"count": count})
    return redirect("servicedesk:notifications")


@login_required
def notification_settings(request):
    current = dict(NotificationPreference.objects.filter(user=request.user).values_list("kind", "delivery"))
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        ok, _result = perform(request, lambda: services.notification_preferences_update(
            user=request.user, choices=form.cleaned_data), success=_("通知设置已保存"))
        if ok:
            return redirect("servicedesk:notification_settings")
    return render(request, "servicedesk/notification_settings.html", {"form": form})
