# syntax=docker/dockerfile:1
#
# The portal as a container image: a static Go binary on distroless.
# Not built on the development machine (it has no Docker engine); see
# deploy/README.md.
#
#   docker build -t portal .
#   docker run --rm -p 8080:8080 --env-file portal.env -v portal-data:/data portal
#
# There is no shell in the final image, so no HEALTHCHECK instruction: let
# the orchestrator probe GET /healthz (liveness) and GET /readyz (readiness).

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# .git is not in the build context, so the version comes from a build
# argument: docker build --build-arg VERSION=$(git describe --always) .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /portal ./cmd/portal \
 && /portal version \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /portal /portal
# The session database lives here. The directory is created owned by the
# nonroot user (65532) so a fresh named volume inherits a writable owner.
COPY --from=build --chown=65532:65532 /out/data /data
ENV PORTAL_DATA_DIR=/data \
    PORTAL_ADDR=:8080 \
    PORTAL_LOG_FORMAT=json
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/portal"]
CMD ["serve"]
