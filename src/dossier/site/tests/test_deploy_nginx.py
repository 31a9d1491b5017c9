"""The shipped deployment (deploy/): Debian's nginx, configured by deploy/nginx-dossier.conf,
in front of `dossier serve` on loopback; and `check --deploy` with deploy/env.example."""

from __future__ import annotations

import base64
import datetime
import http.client
import ipaddress
import os
import re
import secrets
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPResponse
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dossier.site.tests.test_serving import _free_port

DEPLOY = Path(__file__).resolve().parents[4] / "deploy"
SRC = Path(__file__).resolve().parents[3]
HOST = "dossier.example.com"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "nginx-front-door-7Q"
# `check --deploy` warnings accepted with env.example (README "Production checklist"):
# W003: CSRF runs as core.middleware.PagesCsrfViewMiddleware (pages only; the API takes
# tokens, no cookies), a subclass Django's check does not recognise;
# W005 / W021: HSTS for subdomains and the preload list commit every subdomain to HTTPS for
# a long time, a choice for the domain's owner, not for Dossier.
ACCEPTED_WARNINGS = {"security.W003", "security.W005", "security.W021"}


def _example_environment() -> dict[str, str]:
    """deploy/env.example's settings, as systemd's EnvironmentFile reads them."""
    values = {}
    for line in (DEPLOY / "env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def _filled(values: dict[str, str]) -> dict[str, str]:
    """The example with its change-me secrets replaced as its comments say."""
    filled = dict(values)
    filled["DOSSIER_SECRET_KEY"] = secrets.token_urlsafe(50)
    filled["DOSSIER_KEYS"] = f"k1:{_b64_key()}"
    filled["DOSSIER_INDEX_KEY"] = _b64_key()
    filled["DOSSIER_BACKUP_KEY"] = _b64_key()
    filled["DOSSIER_METRICS_TOKEN"] = secrets.token_hex(32)
    assert not [n for n, v in filled.items() if "change-me" in v]
    return filled


def _b64_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _check_deploy(values: dict[str, str], data: Path) -> set[str]:
    """The ids of the warnings `dossier django check --deploy` gives under these settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DOSSIER_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env |= values | {"DOSSIER_DATA_DIR": str(data), "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-m", "dossier.cli", "django", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return set(re.findall(r"\((\w+\.\w\d+)\)", output))


def test_check_deploy_passes_with_the_example_settings_filled_in(tmp_path: Path) -> None:
    example = _example_environment()
    assert example["DOSSIER_SECURE_COOKIES"] == "true" and example["DOSSIER_DEBUG"] == "false"
    assert _check_deploy(_filled(example), tmp_path) == ACCEPTED_WARNINGS


def test_check_deploy_catches_the_example_copied_without_its_secrets(tmp_path: Path) -> None:
    # the placeholder key is one Django's check knows as insecure
    assert "security.W009" in _check_deploy(_example_environment(), tmp_path)


def test_check_deploy_catches_plain_http_settings(tmp_path: Path) -> None:
    plain = _filled(_example_environment()) | {"DOSSIER_SECURE_COOKIES": "false"}
    found = _check_deploy(plain, tmp_path)
    # no HSTS, no HTTPS redirect, the session cookie sent over plain HTTP (the CSRF cookie's
    # W016 is not raised: see W003 above; the nginx test below checks that cookie)
    assert {"security.W004", "security.W008", "security.W010"} <= found


# --- nginx in front of `dossier serve` ------------------------------------------------------


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for HOST and 127.0.0.1, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def render_site(*, http: int, https: int, app: int, cert: Path, key: Path, data: Path) -> str:
    """deploy/nginx-dossier.conf with its production ports and paths replaced by the test's."""
    site = (DEPLOY / "nginx-dossier.conf").read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "/etc/ssl/dossier/fullchain.pem": str(cert),
        "/etc/ssl/dossier/privkey.pem": str(key),
        "/var/lib/dossier/static/": f"{data}/static/",
        "http://127.0.0.1:8000": f"http://127.0.0.1:{app}",
    }
    for old, new in replacements.items():
        assert site.count(old) == 1, f"{old!r} is no longer in deploy/nginx-dossier.conf"
        site = site.replace(old, new)
    # no IPv6 loopback needed here
    return "\n".join(line for line in site.splitlines() if "[::]" not in line)


def _main_conf(folder: Path, site: Path) -> str:
    """A minimal nginx.conf around the site, every path inside the test's folder."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # pytest's folders are the owner's alone
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        f"    access_log {folder / 'access.log'};\n"
        "    gzip on;\n"
        f"{temp}\n"
        f"    include {site};\n"
        "}\n"
    )


@dataclass
class Front:
    http: int
    https: int
    app: int
    context: ssl.SSLContext

    def request(
        self,
        method: str,
        path: str,
        *,
        body: str = "",
        tls: bool = True,
        headers: dict[str, str] | None = None,
    ) -> HTTPResponse:
        if tls:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", self.https, context=self.context, timeout=15
            )
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.http, timeout=15)
        conn.request(method, path, body=body or None, headers={"Host": HOST, **(headers or {})})
        response = conn.getresponse()
        response.read()
        conn.close()
        return response


def _wait_for(check: object, process: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            check()  # type: ignore[operator]
            return
        except OSError:
            if process.poll() is not None:
                raise AssertionError(f"{what} stopped: {process.communicate()[0]}") from None
            assert time.monotonic() < deadline, f"{what} did not answer in 120 s"
            time.sleep(0.3)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Front]:
    """Debian's nginx with the shipped site, in front of `dossier serve` on a temporary SQLite
    database, with the production settings of env.example (secrets filled in)."""
    assert Path(NGINX).exists(), "nginx is missing: `make deploy-deps` installs Debian's"
    folder = tmp_path_factory.mktemp("deploy")
    data = folder / "data"
    cert, key = _certificate(folder)
    http_port, https_port, app_port = _free_port(), _free_port(), _free_port()
    site = folder / "dossier.conf"
    site.write_text(
        render_site(http=http_port, https=https_port, app=app_port, cert=cert, key=key, data=data)
    )
    conf = folder / "nginx.conf"
    conf.write_text(_main_conf(folder, site))
    settings = _filled(_example_environment())
    del settings["DOSSIER_METRICS_TOKEN"]  # /metrics then answers private addresses only
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    env |= settings | {
        "DJANGO_SETTINGS_MODULE": "dossier.settings",
        "PYTHONPATH": str(SRC),
        "DOSSIER_DATA_DIR": str(data),
        "DOSSIER_DATABASE_URL": f"sqlite:///{data / 'dossier.sqlite3'}",
        "DOSSIER_LOG_FORMAT": "",
    }
    dossier = [sys.executable, "-m", "dossier.cli"]
    subprocess.run([*dossier, "migrate", "-v", "0"], env=env, check=True, timeout=300)
    subprocess.run(
        [*dossier, "createuser", "gatekeeper", "--role", "admin", "--password", PASSWORD],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )
    nginx = subprocess.Popen(
        [NGINX, "-e", str(folder / "error.log"), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = subprocess.Popen(
        [*dossier, "serve", "--port", str(app_port), "--workers", "1", "--threads", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    context = ssl.create_default_context(cafile=str(cert))
    front = Front(http=http_port, https=https_port, app=app_port, context=context)
    try:
        _wait_for(lambda: front.request("GET", "/favicon.ico", tls=False), nginx, "nginx")

        def app_answers() -> None:
            direct = http.client.HTTPConnection("127.0.0.1", app_port, timeout=5)
            direct.request("GET", "/healthz", headers={"Host": HOST})
            direct.getresponse().read()

        _wait_for(app_answers, server, "dossier serve")
        yield front
    finally:
        _stop(server)
        _stop(nginx)
        error_log = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
        assert "[emerg]" not in error_log, error_log


def test_the_shipped_site_passes_nginx_own_check(tmp_path: Path) -> None:
    # `nginx -t` on the site as shipped (only its certificate paths pointed at real files)
    assert Path(NGINX).exists(), "nginx is missing: `make deploy-deps` installs Debian's"
    cert, key = _certificate(tmp_path)
    site = (DEPLOY / "nginx-dossier.conf").read_text()
    site = site.replace("/etc/ssl/dossier/fullchain.pem", str(cert))
    site = site.replace("/etc/ssl/dossier/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site)
    conf = tmp_path / "nginx.conf"
    conf.write_text(_main_conf(tmp_path, tmp_path / "site.conf"))
    done = subprocess.run(
        [NGINX, "-t", "-e", str(tmp_path / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_plain_http_is_sent_to_https(front: Front) -> None:
    answer = front.request("GET", "/login/?next=/customers/", tls=False)
    assert answer.status == 301
    assert answer.headers["Location"] == f"https://{HOST}/login/?next=/customers/"


def test_health_answers_through_nginx_over_https_as_a_secure_request(front: Front) -> None:
    answer = front.request("GET", "/healthz")
    assert answer.status == 200
    assert answer.headers["Server"] == "nginx"  # gunicorn's own header is hidden
    # HSTS is sent only on requests Django counts as HTTPS: gunicorn believed nginx's
    # X-Forwarded-Proto (from 127.0.0.1, its default forwarded_allow_ips)
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_static_files_come_from_nginx_not_from_the_application(front: Front) -> None:
    answer = front.request(
        "GET", "/static/dossier/htmx.min.js", headers={"Accept-Encoding": "gzip"}
    )
    assert answer.status == 200
    # nginx's own cache lifetime (WhiteNoise would say max-age=60) and its gzipped copy
    assert "max-age=3600" in answer.headers["Cache-Control"]
    assert answer.headers["Content-Encoding"] == "gzip"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    missing = front.request("GET", "/static/dossier/no-such-file.js")
    assert missing.status == 404


def test_log_in_through_nginx_sets_only_secure_cookies(front: Front) -> None:
    page = front.request("GET", "/login/")
    assert page.status == 200
    cookies = SimpleCookie()
    for header in page.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    assert cookies["csrftoken"]["secure"] is True
    token = cookies["csrftoken"].value
    form = urlencode({"username": "gatekeeper", "password": PASSWORD, "csrfmiddlewaretoken": token})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={token}",
        # a browser's origin on the public name: CSRF accepts it only if the request is
        # known to have come over HTTPS (X-Forwarded-Proto from nginx)
        "Origin": f"https://{HOST}",
        "Referer": f"https://{HOST}/login/",
    }
    logged_in = front.request("POST", "/login/", body=form, headers=headers)
    assert logged_in.status == 302, logged_in.status
    session = SimpleCookie()
    for header in logged_in.headers.get_all("Set-Cookie") or []:
        session.load(header)
    assert session["sessionid"]["secure"] is True and session["sessionid"]["httponly"] is True
    # the same form from a foreign origin is refused
    foreign = front.request(
        "POST", "/login/", body=form, headers=headers | {"Origin": "https://evil.example"}
    )
    assert foreign.status == 403


def test_a_client_cannot_choose_its_address_with_x_forwarded_for(front: Front) -> None:
    # /metrics answers private addresses only (no token set). Straight to the application, a
    # trusted proxy's X-Forwarded-For naming a public address is believed: refused.
    direct = http.client.HTTPConnection("127.0.0.1", front.app, timeout=10)
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    direct.request("GET", "/metrics", headers={"Host": HOST, **forwarded})
    assert direct.getresponse().status == 403
    direct.close()
    # Through nginx the client's header is overwritten with the address nginx saw (loopback);
    # appended to instead, Dossier would read 203.0.113.9 and refuse.
    forged = front.request("GET", "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert forged.status == 200
