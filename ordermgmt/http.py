from django.conf import settings
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def redirect_back(request, default: str, *args, **kwargs):
    """Redirect to the form's ``next`` when it is a URL of this site, else to ``default``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(default, *args, **kwargs)


def client_ip(request) -> str | None:
    """The visitor's address, for every per-client limit: the tracking page's rate limits
    (django-ratelimit's ``RATELIMIT_IP_META_KEY``) and the login lockout (django-axes).

    ``REMOTE_ADDR``, or behind a proxy the header it sets, named by ``CLIENT_IP_META_KEY``
    (e.g. ``HTTP_X_REAL_IP``). Of a forwarded list only the last entry counts: it is the
    address our own proxy saw, the earlier ones are the client's to make up.
    """
    value = request.META.get(settings.CLIENT_IP_META_KEY) or request.META.get("REMOTE_ADDR") or ""
    return value.split(",")[-1].strip() or None
