"""The REST API under ``/api/v1/`` (Django REST framework, schema by drf-spectacular).

Thin adapters over ``integrations.services`` (which call the portal's services): parse and
shape-check the request (``serializers``), run the service, answer in the one error shape
(``errors``). Token auth, scopes and per-client rate limits in ``auth``; idempotency keys and
the per-client call log in ``views.base``."""
