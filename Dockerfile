# Baton's container: a static binary on distroless, as a non-root user.
#   docker build -t baton .
# It needs DATABASE_URL (or DATABASE_URL_FILE): the image has no local
# PostgreSQL. manifests/docker-compose.yaml and manifests/kubernetes/ run
# it; manifests/packaging_test.go checks these files against the binary.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO_ENABLED=0: a static binary, which the static base image needs.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/baton ./cmd/baton

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/baton /baton
# The probes and metrics must be reachable from outside the container.
ENV BATON_HTTP_ADDR=0.0.0.0:8080 \
    BATON_CONFIG=/etc/baton/baton.yaml
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/baton"]
CMD ["run"]
