#!/usr/bin/env bash
# Builds the stand-ins of deploy/bases/ for the official base images, from Debian bookworm's packages, for a Docker
# host that cannot reach Docker Hub (deploy/bases/README.md). Needs root (debootstrap) and a Docker engine.
#   bash scripts/docker_bases.sh          # builds what is missing, then prints the variables that select them
#   DEBIAN_MIRROR=http://mirror.example/debian bash scripts/docker_bases.sh
# The python and node stand-ins trust the certificate authorities this host trusts (SITE_CA_FILE, by default the
# system bundle): a network whose proxy inspects TLS signs the registries' certificates with a CA of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
mirror="${DEBIAN_MIRROR:-$(sed -n 's|^URIs: \(http[^ ]*/debian\)$|\1|p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}"
mirror="${mirror:-http://deb.debian.org/debian}"

root=""
context="$(mktemp -d)"
trap 'rm -rf "$context" ${root:+"$root"}' EXIT
if ! docker image inspect chaindesk-base/debian:bookworm >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
  root="$(mktemp -d)"
  echo "debootstrap bookworm from $mirror (about a minute)"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s-security bookworm-security main\n' \
    "$mirror" "$mirror" "$mirror" > "$root/etc/apt/sources.list"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import -c 'CMD ["bash"]' - chaindesk-base/debian:bookworm >/dev/null
fi
cp deploy/bases/* "$context"
cp "${SITE_CA_FILE:-/etc/ssl/certs/ca-certificates.crt}" "$context/site-ca.crt"
for name in python node postgres redis nginx; do
  docker image inspect "chaindesk-base/$name:bookworm" >/dev/null 2>&1 && continue
  echo "building chaindesk-base/$name:bookworm"
  docker build -q -t "chaindesk-base/$name:bookworm" -f "$context/$name.Dockerfile" "$context" >/dev/null
done
cat <<VARS
PYTHON_IMAGE=chaindesk-base/python:bookworm
NODE_IMAGE=chaindesk-base/node:bookworm
POSTGRES_IMAGE=chaindesk-base/postgres:bookworm
REDIS_IMAGE=chaindesk-base/redis:bookworm
NGINX_IMAGE=chaindesk-base/nginx:bookworm
VARS
