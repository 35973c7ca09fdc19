# ChainDesk: one image for the web processes (`chaindesk serve`) and the background workers (`chaindesk worker`),
# used by compose.yaml. Mirrors `make setup`: uv sync --frozen from uv.lock, npm ci and scripts/build_static.mjs for
# the front-end files, collectstatic, compilemessages; the system packages of scripts/setup_system.sh that the
# running application needs (the briefing preview: LibreOffice Writer, poppler-utils and the CJK, Kai and Liberation
# fonts; not Chromium, which only the browser tests use). Runs as an unprivileged user; /data holds the attachments
# and generated briefings (CHAINDESK_VAR_DIR) and must be shared by every web and worker container.
#
#   docker build -t chaindesk .
#   docker compose up -d          (compose.yaml: web ×2, worker, PostgreSQL, Redis, nginx)
#
# The two base images can be swapped (--build-arg, or compose.yaml's NODE_IMAGE and PYTHON_IMAGE), e.g. for the
# stand-ins built from Debian's packages where Docker Hub cannot be reached (deploy/bases/README.md).
ARG NODE_IMAGE=node:20-bookworm-slim
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- The front-end files, from the npm registry (as `make setup`: npm ci, then node scripts/build_static.mjs).
FROM ${NODE_IMAGE} AS static
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY scripts/build_static.mjs scripts/
RUN node scripts/build_static.mjs

# --- The application.
FROM ${PYTHON_IMAGE} AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_NO_CACHE=1 \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.prod \
    CHAINDESK_VAR_DIR=/data \
    HOST=0.0.0.0 \
    PORT=8000
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends \
       gettext libreoffice-writer-nogui poppler-utils \
       fonts-noto-cjk fonts-arphic-ukai fonts-liberation2 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin chaindesk \
    && mkdir -p /app /data && chown chaindesk:chaindesk /app /data
WORKDIR /app
# The uv version the Makefile pins (UV_VERSION); everything after it is built as the unprivileged user.
RUN pip install --no-cache-dir "uv==0.13.9"
USER chaindesk
# Dependencies first (a layer that changes only with the lock file), then the project itself.
COPY --chown=chaindesk:chaindesk pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project --quiet
COPY --chown=chaindesk:chaindesk . .
COPY --from=static --chown=chaindesk:chaindesk /src/build/static build/static
RUN uv sync --frozen --no-dev --quiet \
    && SECRET_KEY=collectstatic-only DJANGO_SETTINGS_MODULE=config.settings.dev CHAINDESK_VAR_DIR=/tmp/var \
       python manage.py collectstatic --noinput -v0 \
    && SECRET_KEY=compilemessages-only DJANGO_SETTINGS_MODULE=config.settings.dev CHAINDESK_VAR_DIR=/tmp/var \
       python manage.py compilemessages -v0 \
    && rm -rf /tmp/var
VOLUME ["/data"]
EXPOSE 8000
# Liveness: /api/health answers 200 while the process serves (readiness, with the database, Redis and the queue:
# /api/ready). Exempt from the HTTPS redirect in prod (SECURE_REDIRECT_EXEMPT), so plain HTTP inside works.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4).status == 200 else 1)"]
CMD ["python", "-m", "chaindesk", "serve"]
