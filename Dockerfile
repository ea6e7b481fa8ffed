# The portal's image: gunicorn + whitenoise for the web, the same image for the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production

# gettext: the Vietnamese catalogue; postgresql-client: `manage.py backup` and `restore` (pg_dump
# and pg_restore of Debian bookworm, PostgreSQL 15: the compose file's database is 15 to match);
# libpango and fonts-noto-core: the annual NAP report's PDF (WeasyPrint) with Vietnamese glyphs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext postgresql-client \
       libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 portal

WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY --chown=portal:portal . .
# Static files and the compiled catalogue are built into the image; collectstatic needs a key
# and hosts only to load settings, never to serve.
RUN DJANGO_SECRET_KEY=build-only ALLOWED_HOSTS=localhost \
      python manage.py compilemessages --ignore '.venv/*' \
    && DJANGO_SECRET_KEY=build-only ALLOWED_HOSTS=localhost \
      python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown portal:portal /app/media

USER portal
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "-c", "python:config.gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
