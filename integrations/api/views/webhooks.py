"""A client's webhook subscriptions, managed by the client itself (scope webhooks:manage)."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from ... import scopes
from ...models import WebhookSubscription
from ...services import webhook_subscription_create, webhook_subscription_delete, webhook_subscription_update
from ..serializers import (
    SubscriptionCreatedSerializer,
    SubscriptionInSerializer,
    SubscriptionPatchSerializer,
    SubscriptionSerializer,
)
from .base import COMMON_ERRORS, IDEMPOTENCY_KEY, OPTIONAL_IDEMPOTENCY_KEY, ApiView, errors

TAG = ["webhooks"]
MANAGE = {method: scopes.WEBHOOKS_MANAGE for method in ("GET", "POST", "PATCH", "DELETE")}


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _subscription(client, pk: int) -> WebhookSubscription:
    if pk > 2**63 - 1:  # beyond any id (and the database's integers)
        raise Http404
    subscription = WebhookSubscription.objects.filter(client=client, pk=pk).first()
    if subscription is None:
        raise Http404
    return subscription


class SubscriptionListView(ApiView):
    required_scopes = MANAGE

    @extend_schema(tags=TAG, operation_id="webhooks_list", summary="The client's subscriptions",
                   responses={200: SubscriptionSerializer(many=True), **errors(*COMMON_ERRORS)})
    def get(self, request):
        return Response(SubscriptionSerializer(request.user.subscriptions.order_by("id"), many=True).data)

    @extend_schema(
        tags=TAG, operation_id="webhooks_create", summary="Subscribe a URL to event types",
        request=SubscriptionInSerializer, parameters=[IDEMPOTENCY_KEY],
        responses={201: SubscriptionCreatedSerializer, **errors(400, 409, 413, 415, 422, *COMMON_ERRORS)},
        description="Deliveries follow Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). "
                    "The secret is in this answer only.",
    )
    def post(self, request):
        return self.idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = _valid(SubscriptionInSerializer, request.data)
        subscription, secret = webhook_subscription_create(user=None, client=request.user, url=data["url"],
                                                           event_types=data["event_types"],
                                                           description=data["description"])
        return 201, {**SubscriptionSerializer(subscription).data, "secret": secret}


class SubscriptionDetailView(ApiView):
    required_scopes = MANAGE

    @extend_schema(tags=TAG, operation_id="webhooks_retrieve", summary="One subscription",
                   responses={200: SubscriptionSerializer, **errors(404, *COMMON_ERRORS)})
    def get(self, request, pk: int):
        return Response(SubscriptionSerializer(_subscription(request.user, pk)).data)

    @extend_schema(
        tags=TAG, operation_id="webhooks_update", summary="Change URL, event types; pause or resume",
        request=SubscriptionPatchSerializer, parameters=[OPTIONAL_IDEMPOTENCY_KEY],
        responses={200: SubscriptionSerializer, **errors(400, 404, 409, 413, 415, 422, *COMMON_ERRORS)},
        description="`is_active: true` resumes a subscription the platform disabled after failing deliveries; "
                    "the deliveries that waited go out.",
    )
    def patch(self, request, pk: int):
        return self.idempotent(request, lambda: self._update(request, pk), required=False)

    def _update(self, request, pk):
        subscription = _subscription(request.user, pk)
        data = _valid(SubscriptionPatchSerializer, request.data)
        updated = webhook_subscription_update(user=None, subscription=subscription, **data)
        return 200, SubscriptionSerializer(updated).data

    @extend_schema(tags=TAG, operation_id="webhooks_destroy", summary="Delete a subscription",
                   responses={204: OpenApiResponse(description="Deleted"), **errors(404, *COMMON_ERRORS)})
    def delete(self, request, pk: int):
        webhook_subscription_delete(user=None, subscription=_subscription(request.user, pk))
        return Response(status=204)
