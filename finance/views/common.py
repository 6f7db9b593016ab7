"""What the finance views share: the permission a POST needs, a form's errors as one message,
and a file handed out as a download."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from ordermgmt.errors import ActionForbidden

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def form_errors(form) -> str:
    return "；".join(str(error) for errors in form.errors.values() for error in errors)


def require_permission(request, permission: str, what: str) -> None:
    if not request.user.has_perm(permission):
        raise ActionForbidden(_("您的角色没有权限%(what)s") % {"what": what})


def download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
