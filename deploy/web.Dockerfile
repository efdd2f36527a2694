# syntax=docker/dockerfile:1
# The web tier: gunicorn serving Django, static files through whitenoise (a CDN may sit in front:
# PICMATIX_STATIC_URL). No torch. Also runs the light Celery worker (`-Q default`) and beat.
# Build from the repository root:  docker build -f deploy/web.Dockerfile -t picmatix-web .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PICMATIX_VAR_DIR=/var/lib/picmatix \
    STATIC_ROOT=/app/static \
    PICMATIX_STATIC_FINDERS=0 \
    PICMATIX_STATIC_MANIFEST=1 \
    PICMATIX_LOG_FORMAT=json

# gettext: compilemessages (msgfmt).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin picmatix

WORKDIR /app
# The locked, hashed dependencies first, in their own layer: a code change does not reinstall them.
COPY requirements/web.txt /app/requirements/web.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/web.txt
COPY . /app
# Editable: templates/ and locale/ are read beside the code (BASE_DIR), not from site-packages.
# --no-deps: everything the code needs came from the lock file above.
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e . \
    && SECRET_KEY=build-only python manage.py compilemessages --ignore=.venv --verbosity 0 \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /var/lib/picmatix \
    && chown -R picmatix:picmatix /var/lib/picmatix

USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "picmatix.wsgi:application", "--config", "deploy/gunicorn.conf.py"]
