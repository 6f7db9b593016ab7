"""API clients: who may call the API, as which sales channel, with which scopes and tokens."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ordermgmt.history import signed_in_user

from ..scopes import SCOPES, granted

channel_code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{1,39}$", _("渠道编码只能包含小写字母、数字和“-”，2–40 位，例如 taobao-shop-1")
)
rate_limit_validator = RegexValidator(
    r"^[1-9][0-9]{0,5}/(s|m|h|d)$", _("频率限制的格式为 次数/单位，单位为 s、m、h 或 d，例如 120/m")
)


class ApiClient(models.Model):
    """A shop, channel middleware or ERP calling the API. Orders it pushes carry its channel
    code; it reads its own channel's orders unless a scope grants all."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    channel_code = models.CharField(_("渠道编码"), max_length=40, unique=True, validators=[channel_code_validator],
                                    help_text=_("该客户端代表的销售渠道，例如 taobao-shop-1；写入它推送的每张订单"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("负责人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="api_clients",
                              help_text=_("Webhook 停用等通知发给此人"))
    scopes = models.JSONField(_("权限范围"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    allowed_ips = models.TextField(_("允许的来源地址"), blank=True,
                                   help_text=_("每行一个 IP 或网段（如 203.0.113.0/24）；留空表示不限"))
    rate_limit = models.CharField(_("频率限制"), max_length=12, blank=True, validators=[rate_limit_validator],
                                  help_text=_("例如 120/m；留空使用系统默认值"))
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords(get_user=signed_in_user)

    class Meta:
        verbose_name = _("API 客户端")
        verbose_name_plural = _("API 客户端")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.channel_code}）"

    # DRF treats the authenticated caller as request.user.
    is_authenticated = True
    is_anonymous = False

    def has_scope(self, scope: str) -> bool:
        return scope in granted(self.scopes)

    @property
    def scope_labels(self) -> list[str]:
        return [str(SCOPES.get(scope, scope)) for scope in self.scopes]

    @property
    def effective_rate_limit(self) -> str:
        return self.rate_limit or settings.API_DEFAULT_RATE_LIMIT

    @property
    def allowed_networks(self) -> list[str]:
        return [line.strip() for line in self.allowed_ips.splitlines() if line.strip()]


class ApiToken(models.Model):
    """A bearer token of a client: shown once when issued, stored as its SHA-256 digest,
    found by its public prefix. During a rotation the old token lives on until ``expires_at``,
    so a client has at most two live tokens."""

    client = models.ForeignKey(ApiClient, verbose_name=_("客户端"), on_delete=models.CASCADE, related_name="tokens")
    prefix = models.CharField(_("令牌前缀"), max_length=16, unique=True)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("吊销人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.client.name} {self.prefix}…"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def live(self) -> bool:
        return self.is_live()


class ApiCallLog(models.Model):
    """One call of a client: when, which endpoint (the route, not the path with its values),
    the answer and how long it took. No body, no query string, no personal data."""

    client = models.ForeignKey(ApiClient, verbose_name=_("客户端"), on_delete=models.CASCADE, related_name="calls")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    method = models.CharField(_("方法"), max_length=8)
    endpoint = models.CharField(_("接口"), max_length=120)
    status = models.PositiveSmallIntegerField(_("状态码"))
    latency_ms = models.PositiveIntegerField(_("耗时(毫秒)"))
    idempotency_key = models.CharField(_("幂等键"), max_length=200, blank=True)
    error_code = models.CharField(_("错误代码"), max_length=40, blank=True)
    replayed = models.BooleanField(_("重放"), default=False)

    class Meta:
        verbose_name = _("API 调用记录")
        verbose_name_plural = _("API 调用记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["client", "-at"], name="apicall_client_at_idx"),
                   models.Index(fields=["at"], name="apicall_at_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} {self.status}"

    @property
    def is_error(self) -> bool:
        return self.status >= 400
