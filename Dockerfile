# syntax=docker/dockerfile:1
# The production image: built once, run as web, worker, beat and the migrate step (see
# docker-compose.yml). Nothing is installed when a container starts.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the locked dependencies into a virtualenv, translations and static files -------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
# A compiler for any dependency without a wheel for this platform; GNU gettext for the catalogue.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential gettext \
 && rm -rf /var/lib/apt/lists/*
# Exactly the versions and files of the lock (hashes checked), nothing resolved at build time.
COPY requirements/runtime.txt /tmp/runtime.txt
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --require-hashes --no-deps -r /tmp/runtime.txt
WORKDIR /app
COPY . .
ENV PATH=/opt/venv/bin:$PATH DJANGO_SETTINGS_MODULE=ordermgmt.settings
# Build-time settings only: no database or Redis is contacted by these commands.
RUN DEBUG=false SECRET_KEY=build-only-not-used-at-run-time \
    python manage.py compilemessages --ignore=.venv \
 && DEBUG=false SECRET_KEY=build-only-not-used-at-run-time STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput -v 0 \
 && test -s locale/en/LC_MESSAGES/django.mo && test -s staticfiles/staticfiles.json

# --- runtime: slim, no compiler, a non-root user ------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# pg_dump/pg_restore/psql for deploy/backup.sh and deploy/restore.sh (same major as the server).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app \
 && install -d -o app -g app /data/media
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=ordermgmt.settings \
    DEBUG=false \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    LOG_FORMAT=json \
    GUNICORN_BIND=0.0.0.0:8000
USER app
VOLUME ["/data/media"]
EXPOSE 8000
# The process answers (no dependency asked: /health/ready/ is for the proxy and the deploy).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/live/', timeout=4).status != 200)"]
# SIGTERM: gunicorn and Celery stop gracefully (finish requests and tasks in hand).
STOPSIGNAL SIGTERM
CMD ["gunicorn", "ordermgmt.wsgi:application", "-c", "gunicorn.conf.py"]
