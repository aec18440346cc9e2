"""Deployment defaults that are safe without anyone having to know better (issue: hardening, point 7)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2]  # src/advocate

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
plain = Client().get("/accounts/login/")
secure = Client().get("/accounts/login/", secure=True)
print(json.dumps({
    "key": settings.SECRET_KEY,
    "plain": [plain.status_code, plain.get("Location", "")],
    "hsts": secure.get("Strict-Transport-Security", ""),
    "secure_cookie": bool(secure.cookies.get("csrftoken") and secure.cookies["csrftoken"]["secure"]),
}))
"""


def start(data_dir: Path, **env) -> dict:
    """Start Advocate's settings in a fresh process, as `advocate serve` would, and report what they became."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ADVOCATE_") and k != "DATABASE_URL"}
    environ |= {"DJANGO_SETTINGS_MODULE": "advocate.settings", "ADVOCATE_DATA_DIR": str(data_dir), **env}
    done = subprocess.run([sys.executable, "-c", PROBE], env=environ, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_with_no_secret_key_set_one_is_made_in_the_data_folder_and_kept(tmp_path):
    first = start(tmp_path)
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first["key"]
    assert len(first["key"]) >= 50 and "insecure" not in first["key"]
    assert key_file.stat().st_mode & 0o077 == 0, "only Advocate's own user may read the key"
    assert start(tmp_path)["key"] == first["key"], "a restart keeps the key: sessions and links stay valid"
    assert start(tmp_path / "elsewhere")["key"] != first["key"], "each installation has its own"


def test_processes_starting_together_agree_on_one_key(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ADVOCATE_")}
    environ |= {"DJANGO_SETTINGS_MODULE": "advocate.settings", "ADVOCATE_DATA_DIR": str(tmp_path)}
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    starting = [subprocess.Popen([sys.executable, "-c", code], env=environ, stdout=subprocess.PIPE, text=True)
                for _ in range(6)]
    keys = {process.communicate(timeout=60)[0].strip() for process in starting}
    assert keys == {(tmp_path / "secret_key").read_text().strip()}
    assert [p.name for p in tmp_path.iterdir() if "secret" in p.name] == ["secret_key"], "no drafts left"


def test_a_configured_secret_key_wins_and_nothing_is_written(tmp_path):
    assert start(tmp_path, ADVOCATE_SECRET_KEY="k" * 60)["key"] == "k" * 60
    assert not (tmp_path / "secret_key").exists()


def test_https_follows_one_setting(tmp_path):
    off = start(tmp_path)
    assert off["plain"][0] == 200 and off["hsts"] == "" and not off["secure_cookie"]
    on = start(tmp_path, ADVOCATE_HTTPS="1")
    assert on["plain"] == [301, "https://testserver/accounts/login/"]
    assert on["hsts"] == "max-age=31536000"
    assert on["secure_cookie"]


def test_signed_in_pages_and_key_answers_are_never_cached(login, alice, client, integration_key):
    page = login(alice).get("/orders/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    answer = client.get("/api/v1/instructions", HTTP_AUTHORIZATION=f"Bearer {integration_key}")
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]


def test_every_page_carries_a_content_security_policy_that_forbids_inline_script(client, login, alice):
    for response in (client.get("/accounts/login/"), login(alice).get("/orders/")):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:|\sstyle\s*=", re.IGNORECASE)


def test_no_template_needs_inline_script_or_style():
    """The policy forbids them, so a template that used them would silently break in the browser."""
    offenders = [
        f"{path.relative_to(SRC)}: {match.group(0).strip()}"
        for path in SRC.glob("*/templates/**/*.html")
        for match in INLINE_SCRIPT.finditer(path.read_text())
    ]
    assert offenders == []
