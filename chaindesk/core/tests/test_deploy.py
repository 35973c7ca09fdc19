"""`manage.py check --deploy` with the production settings prints no warning."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_deploy_check_is_clean_with_prod_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "k3y-for-the-deploy-check-Z9x8c7v6b5n4m3a2s1d0f9g8h7j6k5l4q3w2e1r0",
        "ALLOWED_HOSTS": "chaindesk.example.gov.cn",
    }
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "System check identified no issues" in output


def test_prod_settings_are_secure():
    env = {**os.environ, "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "a.example"}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.prod'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000,"
        " s.SECURE_SSL_REDIRECT, 'csp.middleware.CSPMiddleware' in s.MIDDLEWARE)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "True"], result.stderr


def test_csp_header_is_sent(client):
    response = client.get("/accounts/login/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp


def test_a_var_dir_that_does_not_exist_yet_is_created_and_migrated_into(tmp_path):
    var = tmp_path / "new" / "var"  # neither folder exists
    env = {**os.environ, "CHAINDESK_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (var / "chaindesk.sqlite3").stat().st_size > 0
