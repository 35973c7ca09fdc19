# Stand-in for node:20-bookworm-slim: Debian's Node.js (18) and npm (README.md here), trusting the certificate
# authorities the building host trusts (site-ca.crt) for npm.
FROM chaindesk-base/debian:bookworm
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY site-ca.crt /usr/local/share/ca-certificates/site-ca.crt
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends nodejs npm ca-certificates \
    && rm -rf /var/lib/apt/lists/* && update-ca-certificates >/dev/null
CMD ["node"]
