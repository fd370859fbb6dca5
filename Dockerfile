# syntax=docker/dockerfile:1
# Genk3600 service image. Needs an external PostgreSQL (GENK3600_DATABASE_URL): there is no embedded
# database in the image. Build with BuildKit (the default since Docker 23):  docker build -t genk3600 .
# Run:  docker run -p 8000:8000 -e GENK3600_DATABASE_URL=postgresql://... -e GENK3600_SECRET_KEY=... genk3600
# The default command is `serve` (after `migrate`); any other genk3600 command runs as given,
# e.g. `docker run ... genk3600 create-api-key --name portal --scope tickets:read`.

ARG PYTHON_VERSION=3.11

# --- builder: dependencies and the genk3600 wheel in /opt/venv -------------------------------------
FROM python:${PYTHON_VERSION}-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv \
 && /opt/venv/bin/python -m pip install --upgrade pip

WORKDIR /build

# Dependencies first, against a stub package, so that this layer is rebuilt only when the
# dependency declarations change, not on every source edit. No `embedded` or `dev` extra.
COPY pyproject.toml constraints.txt README.md ./
RUN mkdir -p src/genk3600 \
 && touch src/genk3600/__init__.py \
 && /opt/venv/bin/python -m pip install -c constraints.txt . \
 && /opt/venv/bin/python -m pip uninstall -y genk3600 \
 && rm -rf src

COPY src ./src
RUN /opt/venv/bin/python -m pip wheel --no-deps --wheel-dir /wheels . \
 && /opt/venv/bin/python -m pip install --no-deps /wheels/genk3600-*.whl \
 && /opt/venv/bin/python -m pip check

# --- runtime -----------------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GENK3600_ENV=production \
    GENK3600_HOST=0.0.0.0 \
    GENK3600_PORT=8000 \
    GENK3600_MIGRATIONS_DIR=/app/migrations \
    GENK3600_DATA_DIR=/var/lib/genk3600

RUN groupadd --system --gid 10001 genk3600 \
 && useradd --system --uid 10001 --gid genk3600 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin genk3600 \
 && mkdir -p /var/lib/genk3600 \
 && chown genk3600:genk3600 /var/lib/genk3600

# Same base image and same path as in the builder, so the venv's interpreter links stay valid.
COPY --from=builder /opt/venv /opt/venv
COPY migrations /app/migrations

COPY --chmod=0755 <<'EOF' /usr/local/bin/genk3600-entrypoint
#!/bin/sh
set -eu
if [ -z "${GENK3600_DATABASE_URL:-}" ]; then
    echo "genk3600: GENK3600_DATABASE_URL is not set." >&2
    echo "genk3600: this image has no embedded database; point it at PostgreSQL, for example" >&2
    echo "genk3600:   -e GENK3600_DATABASE_URL=postgresql://genk3600:PASSWORD@db:5432/genk3600" >&2
    exit 64
fi
if [ "$#" -eq 0 ]; then
    set -- serve
fi
# The schema is brought up to date before the API starts; other commands run as given.
if [ "$1" = "serve" ]; then
    genk3600 migrate
fi
exec genk3600 "$@"
EOF

WORKDIR /app
USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('GENK3600_PORT', '8000') + '/healthz', timeout=4)"]

ENTRYPOINT ["/usr/local/bin/genk3600-entrypoint"]
CMD ["serve"]
