import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode

from . import policies
from .two_factor import confirmed_device, two_factor_required


class ChosenLanguageMiddleware:
    """Activates the language chosen with the switch in the top bar, else LANGUAGE_CODE.

    Used instead of django.middleware.locale.LocaleMiddleware, which would also follow the
    browser's Accept-Language: staff of a Chinese business often run English-language
    browsers and keep the Chinese UI until they switch, and customers on the public
    tracking page read the same language as the notices they receive.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            try:
                language = translation.get_supported_language_variant(chosen)
            except LookupError:
                pass
        # Active for this request only: the thread (a test, a runserver thread) goes back to
        # its own language afterwards instead of keeping the last visitor's.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class SessionIdleTimeoutMiddleware:
    """Ends a signed-in session after the idle time a 主管 sets (policy 登录空闲超时, 8 h by
    default), instead of Django's fixed two weeks.

    The session expires that long after the last request, so an abandoned session is gone
    from the server too. To spare a session write on every request, the clock (and the
    policy, read from the database) is refreshed at most once a minute; a shortened policy
    applies to every open session at its next request.
    """

    LAST_ACTIVITY = "last_activity"
    REFRESH_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._keep_or_end(request)
        return self.get_response(request)

    def _keep_or_end(self, request) -> None:
        now = int(time.time())
        last = request.session.get(self.LAST_ACTIVITY)
        if last is not None and now - last < self.REFRESH_SECONDS:
            return
        idle_seconds = policies.get_policy(policies.SESSION_IDLE_HOURS) * 3600
        if last is not None and now - last > idle_seconds:
            logout(request)
            return
        request.session[self.LAST_ACTIVITY] = now
        request.session.set_expiry(idle_seconds)


class NoStoreWhenSignedInMiddleware:
    """Pages seen by a signed-in user carry personal and business data: no browser history
    cache, no shared proxy may keep them (``Cache-Control: private, no-store``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class RequireTwoFactorMiddleware:
    """Keeps a signed-in session that skipped the code step out of the portal.

    A user who must use two-step sign-in (``OTP_REQUIRED_ROLES``) and has no authenticator yet
    may only open the enrolment page (and sign out) until they set one up. A user with an
    authenticator whose session was not verified with a code (signed in through another form,
    e.g. the admin's) is signed out and sent to the portal's login, which asks for the code.
    """

    OPEN_PREFIXES = ("/static/", "/i18n/", "/accounts/")
    NO_DEVICE = "two_factor_no_device"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is None or not user.is_authenticated or user.is_verified()
                or request.path.startswith(self.OPEN_PREFIXES)):
            return self.get_response(request)
        # Whether the user has an authenticator is asked once per session: one enrols from a
        # session of their own, which the enrolment verifies.
        if not request.session.get(self.NO_DEVICE) and confirmed_device(user) is not None:
            logout(request)
            return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        request.session[self.NO_DEVICE] = True
        if two_factor_required(user):
            return redirect(f"{reverse('two_factor')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
