from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from customers.privacy import shown_contact
from ordermgmt.flash import perform
from ordermgmt.history import history_entries, history_page

from ..forms import TemplateForm
from ..models import MessageStatus, NotificationMessage, NotificationTemplate
from ..notifications.render import PLACEHOLDERS
from ..selectors import failed_notification_count, outbox
from ..services import notification_resend, notification_template_update
from .common import page_query, safe_next


@login_required
@permission_required("fulfillment.view_notificationmessage", raise_exception=True)
def outbox_list(request):
    status = request.GET.get("status", "")
    if status not in MessageStatus.values:
        status = ""
    query = request.GET.get("q", "")
    page = Paginator(outbox(status=status, query=query), 30).get_page(request.GET.get("page"))
    return render(request, "fulfillment/outbox.html", {
        "page": page, "status": status, "statuses": MessageStatus.choices, "q": query,
        "query_string": page_query(request), "failed_count": failed_notification_count(),
        "can_resend": request.user.has_perm("fulfillment.resend_notification"),
    })


@login_required
@require_POST
@permission_required("fulfillment.resend_notification", raise_exception=True)
def outbox_resend(request, pk: int):
    message = get_object_or_404(NotificationMessage, pk=pk)
    shown = shown_contact(request.user, message.contact_details)
    perform(request, lambda: notification_resend(message=message, user=request.user),
            gettext("已重新发送给 %(recipient)s") % {"recipient": shown.phone or shown.email})
    return redirect(safe_next(request, reverse("fulfillment:outbox")))


@login_required
@permission_required("fulfillment.change_notificationtemplate", raise_exception=True)
def template_list(request):
    return render(request, "fulfillment/template_list.html", {
        "templates": NotificationTemplate.objects.order_by("key", "channel"),
    })


@login_required
@permission_required("fulfillment.change_notificationtemplate", raise_exception=True)
def template_history(request, pk: int):
    template = get_object_or_404(NotificationTemplate, pk=pk)
    return history_page(request, title=str(template),
                        entries=history_entries([template.history.all()], label=lambda record: gettext("通知模板")),
                        back_url=reverse("fulfillment:template_edit", args=[pk]), back_label=gettext("返回模板"))


@login_required
@permission_required("fulfillment.change_notificationtemplate", raise_exception=True)
def template_edit(request, pk: int):
    template = get_object_or_404(NotificationTemplate, pk=pk)
    initial = {"subject": template.subject, "body": template.body, "is_active": template.is_active}
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _ = perform(request, lambda: notification_template_update(
            template=template, user=request.user, subject=data["subject"], body=data["body"],
            is_active=data["is_active"]), gettext("模板“%(template)s”已保存") % {"template": template})
        if ok:
            return redirect("fulfillment:templates")
    return render(request, "fulfillment/template_form.html", {
        "template_obj": template, "form": form, "placeholders": PLACEHOLDERS.items(),
    }, status=400 if request.method == "POST" else 200)
