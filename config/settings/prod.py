"""Production: PostgreSQL, Redis, HTTPS only. SECRET_KEY and ALLOWED_HOSTS must come from the environment."""

import os

from .base import *

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h]
SECURE_SSL_REDIRECT = True
# Believed only from TRUSTED_PROXIES: ForwardedHeadersMiddleware drops the header from anyone else.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
# X-Forwarded-For is read only from the proxies in TRUSTED_PROXIES (base.py; environment variable), never from
# anyone else; the demo password is refused by the password rules here (DEBUG is off).
# Health probes (the container's HEALTHCHECK, a load balancer's check) speak plain HTTP to the process itself.
SECURE_REDIRECT_EXEMPT = [r"^api/(health|ready)$"]
