#!/usr/bin/env bash
# What `make docker-check` needs and a fresh machine lacks: a Docker engine with Debian's Compose (docker.io,
# docker-compose) and debootstrap (the stand-in base images of scripts/docker_bases.sh), from Debian's archive; then
# the engine started (overlay2 storage) when none answers and there is no systemd to start it. Root or sudo.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "setup_docker: run as root or with password-less sudo" >&2
    exit 1
  fi
fi
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || need+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
docker info >/dev/null 2>&1 && exit 0
if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
  $SUDO systemctl start docker
else
  echo "starting dockerd (log: /var/log/chaindesk-dockerd.log)"
  $SUDO sh -c 'nohup dockerd --storage-driver=overlay2 >/var/log/chaindesk-dockerd.log 2>&1 &'
fi
for _ in $(seq 1 30); do docker info >/dev/null 2>&1 && exit 0; sleep 1; done
echo "setup_docker: the Docker engine did not start (see /var/log/chaindesk-dockerd.log)" >&2
exit 1
