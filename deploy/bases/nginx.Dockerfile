# Stand-in for nginx:stable-bookworm: Debian's nginx with the official image's layout (README.md here): the site in
# /etc/nginx/conf.d/default.conf, logs to the container's output, in the foreground.
FROM chaindesk-base/debian:bookworm
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends nginx-light \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* \
    && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80 443
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
