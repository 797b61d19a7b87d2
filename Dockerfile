# supervise: one image for the migration, the worker and the beat (see compose.yaml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY worker ./worker
COPY workflows ./workflows
RUN pip install ".[postgres]" && rm -rf /src

# Run as an unprivileged user; its home keeps the beat's schedule file.
RUN useradd --create-home --uid 10001 supervise && mkdir -p /var/lib/supervise \
    && chown supervise:supervise /var/lib/supervise
USER supervise
WORKDIR /var/lib/supervise

ENTRYPOINT ["supervise"]
CMD ["--help"]
