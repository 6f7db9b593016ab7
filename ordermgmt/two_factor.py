"""Two-step sign-in (TOTP, django-otp): after the password, a six-digit code from an
authenticator app (微信/支付宝 小程序, Google Authenticator, Microsoft Authenticator…).

Who must use it: the roles in ``settings.OTP_REQUIRED_ROLES`` (主管 and 超级管理员 when DEBUG is
off); everyone else may enrol from their own page (两步验证). A user with a confirmed device is
asked for a code after the password; a user who must use it and has no device yet is signed in
only as far as the enrolment page. A wrong code counts as a failed login for the lockout
(django-axes, per username + address), like a wrong password.
"""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .errors import ActionForbidden, InvalidInput
from .roles import user_roles

DEVICE_NAME = "身份验证器"


def two_factor_required(user) -> bool:
    required = set(settings.OTP_REQUIRED_ROLES)
    return bool(required and user.is_authenticated and required & set(user_roles(user)))


def confirmed_device(user) -> TOTPDevice | None:
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def totp_enrolment_start(*, user) -> TOTPDevice:
    """A new, unconfirmed device with a fresh secret; an earlier unfinished enrolment is dropped.
    A confirmed device stays in force until the new one is confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_enrolment_confirm(*, user, token: str) -> TOTPDevice:
    """The first code from the app proves it holds the secret: the new device replaces any old one."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise InvalidInput(_("请先点击“开始设置”，用验证器应用扫描二维码"))
    if not device.verify_token((token or "").strip()):
        raise InvalidInput(_("验证码不正确或已过期，请输入验证器应用中当前显示的 6 位数字"))
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


@transaction.atomic
def totp_remove(*, user) -> None:
    """Turn two-step sign-in off for oneself: not for a role that must use it (a 主管 resets a
    lost phone in the admin: 两步验证 → TOTP devices)."""
    if two_factor_required(user):
        raise ActionForbidden(_("您的角色必须使用两步验证，不能关闭；更换手机请重新设置"))
    TOTPDevice.objects.filter(user=user).delete()


def enrolment_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link as an SVG QR code, drawn here (no external service sees the secret)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def readable_secret(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app without a camera."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
