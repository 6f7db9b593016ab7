"""The OpenAPI document: our bearer tokens as its security scheme, only ``/api/v1/`` in it, and
the introduction every integrator reads first (auth, idempotency, errors, webhooks)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from ..webhooks.event_types import EVENT_TYPES


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.api.auth.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "omk_<prefix>_<secret>",
                "description": "An API client's token (主管: 接口 → 客户端 → 签发令牌, or `manage.py api_client_create`)."}


def only_the_api(endpoints, **kwargs):
    return [
        endpoint for endpoint in endpoints
        if endpoint[0].startswith("/api/v1/") and not endpoint[0].startswith(("/api/v1/schema", "/api/v1/docs"))
    ]


INTRODUCTION = """
Orders in and out of 客户订单管理平台: channels and shops push orders, read their status, cancel
them; ERPs read every channel; payment platforms report payments; subscribers are told of changes
by signed webhooks. The API calls the same services as the portal: the same rules, the same
messages.

## Authentication
`Authorization: Bearer omk_…` — a token of an **API client** (a 主管 creates the client under
接口 in the portal, or runs `python manage.py api_client_create NAME --channel CODE`). A client
stands for one sales channel (`channel_code`, e.g. `taobao-shop-1`): the orders it pushes carry
it, and it reads its own channel's orders unless it has the scope `orders:read_all`. Scopes:
`orders:read`, `orders:read_all`, `orders:write`, `payments:write`, `webhooks:manage`. Tokens are
shown once; rotation keeps the previous token alive for a grace period. HTTPS only in production.

## Idempotency
Every `POST` needs an `Idempotency-Key` header (1–200 visible ASCII characters, e.g. a UUID),
new for each new request. Sending the same key with the same body again returns the first
answer (same status, same body, header `Idempotent-Replayed: true`) — retry after a timeout
without creating anything twice. The same key with another body: 422 `idempotency_key_reused`.
A retry arriving while the first request still runs waits for its answer, or gets 409
`idempotency_key_in_use`. Keys are kept at least 7 days. Independently, `(channel, external_ref)`
is unique: an order resent under a new key is answered 409 `duplicate_order` naming the order.

## Errors
Every refusal has the same body: `{"code", "message" (Chinese), "detail" (English),
"errors": {"field or lines[i].field": ["…"]}}`. Business rules answer 422 (`invalid_input`, …) or
409 (`invalid_transition`, `duplicate_order`); rate limits 429 with `Retry-After`.

## Webhooks
Subscribe a URL to event types (`POST /api/v1/webhooks/`, or in the portal). Each delivery is a
`POST` with a JSON body `{"type", "timestamp", "data"}` and the Standard Webhooks headers
`webhook-id` (the same on every retry: drop duplicates by it), `webhook-timestamp` and
`webhook-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` keyed with the
base64-decoded part of your `whsec_…` secret) — verify with any Standard Webhooks library.
Answer 2xx within 10 s. Failed deliveries are retried with doubling waits for about 32 hours;
the events of one order arrive in order. A subscriber failing for a day is disabled and its
owner told by e-mail.

Event types:
{event_types}

## Payment platforms
`POST /api/v1/payments/notify/<provider>/` in the generic format below: the raw JSON body signed
with the provider's secret (`X-Signature`: hex HMAC-SHA256), its `timestamp` within 5 minutes.
"""


def describe(result, generator, request, public):
    table = "\n".join(f"- `{name}` — {kind.description}" for name, kind in EVENT_TYPES.items())
    result["info"]["description"] = INTRODUCTION.replace("{event_types}", table).strip()
    return result
