"""Schema-driven fuzzing: schemathesis generates requests for every operation of the OpenAPI
document and sends them, authenticated, to the running app (Django's live server). No answer
may be a 500, and every answer must be one the document describes (status, content type,
headers, body schema).

``SCHEMATHESIS_MAX_EXAMPLES`` (default 10; .ci/run sets 50 for its PostgreSQL run) sets the examples per operation and variant."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from integrations.models import PaymentProvider
from orders.models import Order
from integrations.services import webhook_subscription_create

from .conftest import Api, make_channel, push

pytestmark = pytest.mark.django_db(transaction=True)

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture
def live_api(live_server, client, shop, reference_data):
    """A client allowed everything, one of its orders, one subscription, one payment platform."""
    api_client, token = make_channel(scopes=["orders:read", "orders:read_all", "orders:write", "payments:write",
                                             "webhooks:manage"], rate_limit="100000/m")
    order = push(Api(client, token))
    subscription, _secret = webhook_subscription_create(user=None, client=api_client, url="http://127.0.0.1:9/hook",
                                                        event_types=["order.shipped"])
    PaymentProvider.objects.create(code="acmepay", name="Acme 支付", secret="s3cret")
    return {"token": token, "path_parameters": {"number": order.number, "id": subscription.pk, "provider": "acmepay"}}


def _fuzz(operation, *, base_url: str, token: str, path_parameters=None, strategy=None) -> list[str]:
    failures: list[str] = []
    if strategy is None:
        strategy = operation.as_strategy(path_parameters=path_parameters) if path_parameters else operation.as_strategy()

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        response = case.call(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as failure:  # noqa: BLE001 - collected per operation, reported together
            failures.append(f"{operation.label}: {type(failure).__name__}: {str(failure)[:1500]}")
            raise

    try:
        run()
    except Exception:  # noqa: BLE001 - the failure is in ``failures``
        if not failures:
            raise
    return failures[-1:]


def test_every_operation_answers_only_what_the_schema_describes_and_never_a_500(live_server, live_api):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12, [op.label for op in operations]
    created_before = Order.objects.count()
    failures = []
    for operation in operations:
        for example in operation.get_strategies_from_examples():  # the documented requests, as written
            failures += _fuzz(operation, base_url=live_server.url, token=live_api["token"], strategy=example)
        failures += _fuzz(operation, base_url=live_server.url, token=live_api["token"])
        names = {parameter.name for parameter in operation.path_parameters}
        if names:  # again on records that exist, so that the operation does its work
            known = {name: value for name, value in live_api["path_parameters"].items() if name in names}
            failures += _fuzz(operation, base_url=live_server.url, token=live_api["token"], path_parameters=known)
    assert not failures, "\n\n".join(failures)
    assert Order.objects.count() > created_before, "the documented examples create orders"
