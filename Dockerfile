# The portal's image: gunicorn serving the app, static files by WhiteNoise, run as a user without privileges.
# The same image runs the web servers, the worker (manage.py db_worker) and the scheduler (manage.py
# run_schedule); compose.yaml shows one way to run them together. Translations are compiled as `make messages`
# compiles them (pybabel, one catalogue per language).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# pg_dump for backup_database; nothing else from the system.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Compiled translations and collected, hashed static files are built into the image.
RUN pybabel compile --domain django --directory locale \
    && DEBUG=false SECRET_KEY=only-for-collectstatic python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin portal

USER portal
EXPOSE 8000
# gunicorn.conf.py binds 0.0.0.0:8000; /healthz answers while the process runs.
HEALTHCHECK --interval=30s --timeout=5s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]
CMD ["gunicorn", "innopraksis.wsgi", "--config", "gunicorn.conf.py"]
