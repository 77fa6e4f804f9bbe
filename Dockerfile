# The portal behind gunicorn. Build: docker compose build (see docker-compose.yml and
# docs/deployment.md). The image holds no secrets: configuration comes from the environment.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    BACKUP_DIR=/app/backups

# WeasyPrint (PDF reports) needs Pango, HarfBuzz and fonts from the system; `manage.py backup`
# and `restore` need pg_dump and pg_restore (the client of the server's major version, 15).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        fonts-dejavu-core fonts-liberation postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/app --uid 1000 app
WORKDIR /app

# Dependencies first (read from pyproject.toml), so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['prod']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

COPY . .
RUN pip install '.[prod]' \
    && mkdir -p "$STATIC_ROOT" "$MEDIA_ROOT" "$BACKUP_DIR" \
    && SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input --verbosity 0 \
    && chown -R app:app "$MEDIA_ROOT" "$BACKUP_DIR"

USER app
EXPOSE 8000
# Workers and threads: gunicorn.conf.py (WEB_CONCURRENCY, default 2 x cores + 1).
# docker-compose.yml runs the migrations in a service of their own; a lone container does both.
CMD ["sh", "-c", "python manage.py migrate --no-input && exec gunicorn napportal.wsgi --config gunicorn.conf.py"]
