"""Health probes for the proxy and the orchestrator (django-health-check underneath).

``/health/live/``: the process answers (no dependency is asked: a database outage must not
make the orchestrator restart every web process). ``/health/ready/``: every dependency a
request or a job needs —

==============  =====================================================================
``database``    ``SELECT 1`` on the primary (and ``database_replica`` when one is set)
``migrations``  no migration of the code is missing from the database
``broker``      the Celery broker (Redis) answers a ping
``cache``       the shared cache (Redis) stores and reads a key
``celery``      a Celery worker consuming our queue answers a ping (when tasks are not eager)
``media_disk``  ``MEDIA_ROOT`` is writable and has ``HEALTH_MEDIA_MIN_FREE_MB`` free
==============  =====================================================================

Both answer JSON, 200 when every check passes, else 503, with each check's status and time
in milliseconds. They need no login and say nothing secret: a library check's failure is
named by its kind only (its message may carry a host name or an address); our own checks
explain themselves. The probes are served by ``ProbeMiddleware`` before host validation and
the HTTPS redirect, so a container's health command can call ``http://127.0.0.1:8000``.
"""

from django.http import JsonResponse

LIVE_PATH = "/health/live/"
READY_PATH = "/health/ready/"


def live(request):
    return JsonResponse({"status": "ok"})


def ready(request):
    from .readiness import ready as readiness_view

    return readiness_view(request)


class ProbeMiddleware:
    """Answers the probes first in the chain: before host validation (a container's health
    command asks 127.0.0.1), the HTTPS redirect (the proxy talks plain HTTP inside) and the
    request log (a probe every few seconds is not traffic). The metrics endpoint is served
    the same way (``ordermgmt.metrics``), behind its own token."""

    def __init__(self, get_response):
        self.get_response = get_response
        from .metrics import METRICS_PATH, metrics_view

        self.routes = {LIVE_PATH: live, READY_PATH: ready, METRICS_PATH: metrics_view}

    def __call__(self, request):
        view = self.routes.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            response = view(request)
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)
