# Stand-in for python:3.11-slim-bookworm: Debian's Python 3.11 as `python` and `pip` (README.md here), trusting the
# certificate authorities the building host trusts (site-ca.crt: a TLS-inspecting proxy's, say) for pip and uv.
FROM chaindesk-base/debian:bookworm
ENV PIP_BREAK_SYSTEM_PACKAGES=1 LANG=C.UTF-8 \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt
COPY site-ca.crt /usr/local/share/ca-certificates/site-ca.crt
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends python3 python3-pip ca-certificates \
    && rm -rf /var/lib/apt/lists/* && update-ca-certificates >/dev/null \
    && ln -s /usr/bin/python3 /usr/local/bin/python && ln -s /usr/bin/pip3 /usr/local/bin/pip
CMD ["python3"]
