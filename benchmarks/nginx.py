"""nginx on 127.0.0.1 serving a folder: the crawl benchmark's mirror, at almost no CPU cost.

``nginx_server`` serves a built mirror (see ``benchmarks/mirror.py``) with its pre-compressed
``.html.gz`` files (``gzip_static``), so that the server costs almost no CPU that the crawler being
measured would miss. ``ensure_nginx`` installs Debian's nginx when it is missing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NGINX = Path("/usr/sbin/nginx")

_NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    charset utf-8;
    gzip_static on;
    gzip on;
    gzip_types text/css application/javascript;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
    }}
}}
"""


def ensure_nginx() -> Path:
    """Debian's nginx, installed with apt-get if it is missing."""
    if NGINX.exists():
        return NGINX
    install = ["apt-get", "install", "-y", "-q", "nginx"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=env, check=False, timeout=600).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True, timeout=600)
        subprocess.run(install, env=env, check=True, timeout=600)
    return NGINX


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def nginx_server(root: Path, tmp: Path, nginx: Path = NGINX) -> Iterator[str]:
    """Serve ``root`` with nginx on 127.0.0.1; yield the base URL; stop nginx on exit."""
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(_NGINX_CONF.format(tmp=tmp.resolve(), port=port, root=root.resolve()))
    log = (tmp / "nginx.out").open("wb")
    process = subprocess.Popen(
        [
            str(nginx),
            "-p",
            str(tmp.resolve()),
            "-e",
            str(tmp.resolve() / "error.log"),
            "-c",
            str(conf.resolve()),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_listening(port, process, tmp)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _wait_listening(port: int, process: subprocess.Popen[bytes], tmp: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors = (tmp / "nginx.out").read_text(errors="replace")
            raise RuntimeError(f"nginx exited with {process.returncode}: {errors.strip()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on 127.0.0.1:{port} within 10 s")
