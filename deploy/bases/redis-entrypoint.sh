#!/bin/sh
# redis-server with the official image's defaults: listen on every address, protected mode off.
set -e
if [ "$1" = "redis-server" ]; then
  shift
  exec redis-server --bind 0.0.0.0 --protected-mode no "$@"
fi
exec "$@"
