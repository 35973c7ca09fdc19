# Stand-in for postgres:15-bookworm: Debian's PostgreSQL 15 (README.md here), with an entry point that, like the
# official image's, creates the cluster in PGDATA on first start with POSTGRES_USER, POSTGRES_PASSWORD and
# POSTGRES_DB, and accepts password (scram) connections from other containers.
FROM chaindesk-base/debian:bookworm
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends postgresql-15 gosu \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data LANG=C.UTF-8
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 5432
STOPSIGNAL SIGINT
CMD ["postgres"]
