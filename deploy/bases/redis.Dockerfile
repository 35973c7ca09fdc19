# Stand-in for redis:7-bookworm: Debian's redis-server (README.md here). Like the official image it accepts
# connections from other containers without a password (protected mode off): only the compose network reaches it.
FROM chaindesk-base/debian:bookworm
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends redis-server redis-tools \
    && rm -rf /var/lib/apt/lists/*
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 6379
CMD ["redis-server"]
