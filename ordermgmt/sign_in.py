"""The portal's sign-in: password, then (for a user with an authenticator) a six-digit code;
the user's own 两步验证 page; and the refusal of the demo password outside development."""

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _, gettext_lazy
from django_otp import login as otp_login

from .errors import BusinessError
from .two_factor import (
    confirmed_device,
    enrolment_qr_svg,
    readable_secret,
    totp_enrolment_confirm,
    totp_enrolment_start,
    totp_remove,
    two_factor_required,
)
from .views import login_locked_out

PENDING_USER = "two_factor_pending_user"
PENDING_BACKEND = "two_factor_pending_backend"
PENDING_NEXT = "two_factor_pending_next"

# The demo accounts' password (ordermgmt.demo). Settings cannot import the app, and the demo
# module imports every app: the literal is repeated here and checked equal by a test.
DEMO_PASSWORDS = frozenset({"demo1234"})


def demo_password_refused(password: str) -> bool:
    return not settings.DEMO_DATA_ALLOWED and password in DEMO_PASSWORDS


class PortalAuthenticationForm(AuthenticationForm):
    """Django's login form, which refuses the demo password in production before checking it."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "demo_password": gettext_lazy("演示密码不能在正式环境使用。请联系主管为您的账号设置新密码。"),
    }

    demo_password_refused = False

    def clean(self):
        if demo_password_refused(self.cleaned_data.get("password") or ""):
            self.demo_password_refused = True
            raise forms.ValidationError(self.error_messages["demo_password"], code="demo_password")
        return super().clean()


class PasswordStepLoginView(auth_views.LoginView):
    """Step one. A user with a confirmed authenticator is not signed in yet: the session
    remembers who passed the password, and step two asks for the code."""

    form_class = PortalAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if confirmed_device(user) is None:
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING_USER] = user.pk
        self.request.session[PENDING_BACKEND] = user.backend
        self.request.session[PENDING_NEXT] = self.get_success_url()
        return redirect("login_code")


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("验证码"), max_length=8, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=gettext_lazy("打开手机上的验证器应用，输入当前显示的 6 位数字"),
    )


def _pending_user(request):
    user_id = request.session.get(PENDING_USER)
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def login_code(request):
    """Step two: the code. A wrong code is a failed login for the lockout like a wrong password;
    a locked username + address gets the lockout page here too."""
    user = _pending_user(request)
    if user is None:
        return redirect("login")
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return login_locked_out(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = confirmed_device(user)
        allowed, throttled = device.verify_is_allowed() if device is not None else (False, None)
        if allowed and device.verify_token(form.cleaned_data["otp_token"]):
            backend = request.session.pop(PENDING_BACKEND, settings.AUTHENTICATION_BACKENDS[-1])
            next_url = request.session.pop(PENDING_NEXT, resolve_url(settings.LOGIN_REDIRECT_URL))
            request.session.pop(PENDING_USER, None)
            login(request, user, backend=backend)
            otp_login(request, device)
            return redirect(next_url)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if not AxesProxyHandler.is_allowed(request, credentials):
            return login_locked_out(request)
        form.add_error("otp_token", _("验证码不正确或已过期，请重新输入") if allowed else
                       _("验证码错误次数较多，请稍等几秒再输入"))
    return render(request, "registration/login_code.html", {"form": form, "pending_user": user},
                  status=400 if form.errors else 200)


@login_required
def two_factor_settings(request):
    """两步验证 on the user's own page: turn it on (scan, confirm with a code), renew, or off."""
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "confirm":
                device = totp_enrolment_confirm(user=request.user, token=request.POST.get("otp_token", ""))
                otp_login(request, device)
                messages.success(request, _("两步验证已开启。以后登录时，输入密码后还需输入验证器中的验证码。"))
                return redirect(_safe_next(request))
            if step == "remove":
                totp_remove(user=request.user)
                messages.success(request, _("两步验证已关闭"))
                return redirect("two_factor")
            totp_enrolment_start(user=request.user)
        except BusinessError as error:
            messages.error(request, str(error))
        return redirect(request.get_full_path())
    pending = request.user.totpdevice_set.filter(confirmed=False).first()
    return render(request, "registration/two_factor.html", {
        "device": confirmed_device(request.user),
        "pending": pending,
        "qr_svg": mark_safe(enrolment_qr_svg(pending)) if pending else "",  # drawn by qrcode, no user text
        "secret": readable_secret(pending) if pending else "",
        "required": two_factor_required(request.user),
        "next": _safe_next(request),
        "code_form": CodeForm(),
    })


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)

