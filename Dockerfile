# Tanto: `tanto run` as an unprivileged user. SQLite on the /data volume by default; set
# DATABASE_URL for PostgreSQL (compose.yaml does). Slack settings come from the environment
# at run time, never from the image.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/tanto
WORKDIR /src
# Dependencies first, from the project file alone (no packages yet), so a code change reuses this layer.
COPY pyproject.toml README.md ./
RUN /opt/tanto/bin/pip install .
COPY bot bot
COPY handlers handlers
COPY storage storage
RUN /opt/tanto/bin/pip install --no-deps --force-reinstall .

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/tanto/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/tanto.db \
    PORT=3000 \
    TANTO_MANIFEST=/app/manifest.yml
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /app --shell /usr/sbin/nologin tanto \
    && mkdir -p /data \
    && chown tanto:tanto /data
COPY --from=build /opt/tanto /opt/tanto
# `tanto doctor` compares the token's scopes with the manifest's.
COPY manifest.yml /app/manifest.yml
WORKDIR /app
VOLUME ["/data"]
USER tanto
EXPOSE 3000
# The slim image has no curl; /healthz answers 200 when the database is reachable, 503 when not.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
# `tanto run` creates or upgrades the database schema before it serves.
CMD ["tanto", "run"]
