from django.contrib import messages
from django.utils.http import url_has_allowed_host_and_scheme

from ordermgmt.errors import ActionForbidden, BusinessError


def perform(request, action, success: str = ""):
    """Run a service call; a business refusal becomes a flash message. Returns
    ``(ok, result)``. ``ActionForbidden`` propagates (the user gets 403)."""
    try:
        result = action()
    except ActionForbidden:
        raise
    except BusinessError as error:
        messages.error(request, str(error))
        return False, None
    if success:
        messages.success(request, success)
    return True, result


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def page_query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
