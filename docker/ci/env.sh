# Sourced by the scripts in docker/ci: the podman settings and the Docker API address every CI step uses.
# CONTAINERS_CONF selects containers.conf beside this file (runc, cgroupfs, ulimits the machine grants, file
# events); DOCKER_HOST points docker-compose and Testcontainers at podman's Docker-compatible API.
OUTBOX_CI_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONTAINERS_CONF="$OUTBOX_CI_DIR/containers.conf"
export OUTBOX_PODMAN_SOCKET=/run/podman/podman.sock
export DOCKER_HOST="unix://$OUTBOX_PODMAN_SOCKET"
# The locally built stand-ins for the public images docker-compose.yml and the test kit name.
export OUTBOX_DEBIAN_IMAGE=localhost/outbox-ci/debian:bookworm
export OUTBOX_JRE_IMAGE=localhost/outbox-ci/jre:25
export OUTBOX_POSTGRES_IMAGE=localhost/outbox-ci/postgres:18
export OUTBOX_KAFKA_IMAGE=localhost/outbox-ci/kafka:4.3.0
export OUTBOX_CURL_IMAGE=localhost/outbox-ci/curl:bookworm
