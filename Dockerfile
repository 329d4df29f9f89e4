# airtf-lint as a container: `docker build -t airtf-lint .` then
#   docker run --rm -v "$PWD:/src" airtf-lint .            (the entry point is airtf-lint; /src is the workdir)
# Slim Python base, a non-root user, nothing but the tool and its default engine installed.
FROM python:3.12-slim AS build
WORKDIR /build
COPY pyproject.toml README.md ./
COPY airtf_lint ./airtf_lint
COPY rules ./rules
RUN pip install --no-cache-dir build==1.6.1 && python -m build --wheel --outdir /dist

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /dist /dist
RUN pip install --no-cache-dir /dist/*.whl && rm -rf /dist \
    && useradd --create-home --uid 10001 airtf
USER airtf
WORKDIR /src
ENTRYPOINT ["airtf-lint"]
CMD ["."]
