#!/usr/bin/env bash
# Stand-in for the image's docker-entrypoint.sh in the real-server tests (tests/realserver.py).
# It is not the image's script: it implements what the official rabbitmq image's entrypoint
# does for a container that runs as a non-root user (RabbitMq runs as uid 999), which is all
# RabbitMq relies on:
#   - it refuses to start when one of the environment variables the image dropped for a
#     configuration file is set (the SSL and management SSL settings, the _FILE variants of
#     the default user and password, RABBITMQ_VM_MEMORY_HIGH_WATERMARK);
#   - RABBITMQ_USE_LONGNAME defaults to true when the long and short host names differ;
#   - then it replaces itself with its arguments (as root it would first drop to the
#     rabbitmq user: not the case here).
set -euo pipefail
dropped=(
  RABBITMQ_DEFAULT_PASS_FILE RABBITMQ_DEFAULT_USER_FILE
  RABBITMQ_MANAGEMENT_SSL_CACERTFILE RABBITMQ_MANAGEMENT_SSL_CERTFILE RABBITMQ_MANAGEMENT_SSL_DEPTH
  RABBITMQ_MANAGEMENT_SSL_FAIL_IF_NO_PEER_CERT RABBITMQ_MANAGEMENT_SSL_KEYFILE RABBITMQ_MANAGEMENT_SSL_VERIFY
  RABBITMQ_SSL_CACERTFILE RABBITMQ_SSL_CERTFILE RABBITMQ_SSL_DEPTH RABBITMQ_SSL_FAIL_IF_NO_PEER_CERT
  RABBITMQ_SSL_KEYFILE RABBITMQ_SSL_VERIFY RABBITMQ_VM_MEMORY_HIGH_WATERMARK
)
refused=
for name in "${dropped[@]}"; do
  if [ -n "${!name:-}" ]; then
    echo >&2 "error: $name is set but deprecated"
    refused=1
  fi
done
if [ -n "$refused" ]; then
  echo >&2 'error: deprecated environment variables detected (use a configuration file instead)'
  exit 1
fi
if [ -z "${RABBITMQ_USE_LONGNAME:-}" ] && [ "$(hostname)" != "$(hostname -s)" ]; then
  export RABBITMQ_USE_LONGNAME=true
fi
exec "$@"
