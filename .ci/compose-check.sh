#!/usr/bin/env bash
# Static check of docker-compose.yml (no Docker engine needed): the file parses, interpolates and
# validates against the compose schema, and the files it mounts exist.
# Uses Debian's docker-compose (v1.29) when no Compose v2 plugin is available; installs it if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v docker-compose >/dev/null 2>&1; then
  echo "compose-check: installing Debian's docker-compose"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker-compose >/dev/null
fi

echo "compose-check: $(docker-compose version --short 2>/dev/null || docker-compose version | head -1)"
docker-compose -f docker-compose.yml config -q

# Bind-mounted files must exist (config -q does not check them).
for f in docker/postgres/init.sql Dockerfile .dockerignore; do
  [ -f "$f" ] || { echo "compose-check: missing $f" >&2; exit 1; }
done

# Compose v2 too, where this machine has it (a CI runner with Docker): it knows newer keys.
if docker compose version >/dev/null 2>&1; then
  docker compose -f docker-compose.yml config -q
fi
echo "compose-check: docker-compose.yml is valid"
