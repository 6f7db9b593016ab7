from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def page_query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
