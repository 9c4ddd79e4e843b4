# syntax=docker/dockerfile:1
#
# One image for the four Cascade services and their one-shot commands:
#   docker run IMAGE serve calls        (any of calls, applications, payments, reporting)
#   docker run IMAGE migrate calls      (create the database if missing, apply migrations)
#   docker run IMAGE topics create
#   docker run IMAGE gateway            (the built console and /api/<service>/... on port 8000)
# The entrypoint is the `cascade` command; the arguments are its subcommand.
#
# The base is pinned to a Python patch release on Debian bookworm. A release
# build pins the digest too, resolved where a registry is reachable, e.g.
#   docker build --build-arg PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:<digest> .
# (docs/DEPLOY.md, "Building the image").
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# --- console: the single-page app, built from its lockfile ---------------------
ARG NODE_IMAGE=node:20.19-bookworm-slim
FROM ${NODE_IMAGE} AS console
WORKDIR /console
COPY console/package.json console/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY console/ ./
# The API types are committed (npm run api:check keeps them current), so the
# build needs no Python.
RUN npm run build

# --- build: resolve and install into a virtual environment -----------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1

# A venv without pip: the final image gets the application, not an installer.
RUN python -m venv --without-pip /opt/cascade

WORKDIR /src
COPY pyproject.toml requirements.lock ./
COPY cascade ./cascade
COPY shared ./shared
COPY services ./services

# Runtime dependencies only: neither the `local` extra (embedded PostgreSQL,
# tansu broker) nor `dev`. requirements.lock constrains the transitive
# versions too. Every dependency ships wheels, so no compiler is needed.
RUN python -m pip --python /opt/cascade/bin/python install --no-cache-dir \
        --constraint requirements.lock . \
    && /opt/cascade/bin/cascade --help > /dev/null

# --- runtime -----------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="cascade" \
      org.opencontainers.image.description="Cascade funding services: calls, applications, payments, reporting" \
      org.opencontainers.image.licenses="EUPL-1.2"

# The image's pip and setuptools are not needed to run, only to be patched.
RUN python -m pip uninstall --yes --no-cache-dir pip setuptools wheel \
    && groupadd --system --gid 10001 cascade \
    && useradd --system --uid 10001 --gid cascade --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin cascade

COPY --from=build /opt/cascade /opt/cascade
COPY --from=console /console/dist /opt/cascade/console
COPY deploy/docker/healthcheck.py /opt/cascade/healthcheck.py

# CASCADE_HOST: listen beyond loopback, or nothing outside the container
# reaches the service. Bytecode is compiled at install; the root filesystem
# may be read-only.
ENV PATH=/opt/cascade/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CASCADE_HOST=0.0.0.0 \
    CASCADE_LOG_FORMAT=json \
    CASCADE_CONSOLE_DIST=/opt/cascade/console

# Numeric, so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
USER 10001:10001

EXPOSE 8000 8001 8002 8003 8004

# Healthy means ready: the served service answers /readyz (database and
# broker reachable). One-shot commands serve nothing and are always healthy.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/opt/cascade/healthcheck.py"]

ENTRYPOINT ["cascade"]
CMD ["--help"]
