"""A request body over REQUEST_MAX_BYTES is refused with 413 before anything reads or spools it,
on a page in the customer's language; a chunked body is read up to the cap and no further."""

from __future__ import annotations

import io
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests
from django.core.handlers.wsgi import WSGIRequest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from conftest import jpeg_bytes
from orders.models import Order

if TYPE_CHECKING:
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture

    from styles.models import Style


ROOT = Path(__file__).resolve().parents[2]
TOO_LARGE = {"en": "What you sent is too large for us to receive.", "es": "Lo que has enviado es demasiado grande"}


def _announce(client: Client, path: str, length: int, **headers: Any) -> _MonkeyPatchedWSGIResponse:
    """A POST that declares `length` bytes but carries almost none: only the header is looked at."""
    return client.generic(
        "POST", path, b"x" * 10, content_type=MULTIPART_CONTENT, CONTENT_LENGTH=str(length), **headers
    )


@pytest.mark.parametrize(
    ("path", "headers", "language"),
    [
        ("/en/", {}, "en"),
        ("/es/", {}, "es"),
        ("/es/orders/abc/buy/", {}, "es"),
        ("/stripe/webhook/", {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}, "es"),
        ("/stripe/webhook/", {"HTTP_ACCEPT_LANGUAGE": "en-GB"}, "en"),
    ],
)
def test_a_declared_body_over_the_cap_gets_a_413_page_in_the_customers_language(
    client: Client,
    db: None,
    settings: Settings,
    mocker: MockerFixture,
    path: str,
    headers: dict[str, Any],
    language: str,
) -> None:
    parse = mocker.spy(WSGIRequest, "_load_post_and_files")
    response = _announce(client, path, settings.REQUEST_MAX_BYTES + 1, **headers)
    assert response.status_code == 413
    assert response["Content-Language"] == language
    body = response.content.decode()
    assert TOO_LARGE[language] in body
    assert '<link rel="stylesheet"' in body
    assert 'class="site-header"' in body
    parse.assert_not_called()  # the body was never parsed: no CSRF check, no view
    assert Order.objects.count() == 0


def test_the_cap_is_the_upload_limit_plus_a_megabyte_by_default(settings: Settings) -> None:
    assert settings.REQUEST_MAX_BYTES == settings.UPLOAD_MAX_BYTES + 1024 * 1024
    assert settings.MIDDLEWARE[0] == "picmatix.request_limits.RequestSizeLimitMiddleware"
    # Whatever passes the cap stays in memory: nothing is ever spooled to a temporary file.
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE >= settings.REQUEST_MAX_BYTES
    # Unset, so a spooled upload would land in tempfile.gettempdir(), which the live test watches.
    assert settings.FILE_UPLOAD_TEMP_DIR is None


def _upload_body(style: Style, photo: bytes) -> bytes:
    return encode_multipart(BOUNDARY, {"photo": io.BytesIO(photo), "style": str(style.pk), "email": "ana@example.com"})


def _chunked(client: Client, path: str, stream: io.BytesIO) -> _MonkeyPatchedWSGIResponse:
    """What gunicorn hands Django for `Transfer-Encoding: chunked`: no CONTENT_LENGTH, the body in wsgi.input."""
    environ = {"CONTENT_TYPE": MULTIPART_CONTENT, "HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": stream}
    return client.generic("POST", path, b"", **environ)


def test_a_chunked_body_over_the_cap_is_refused_after_reading_the_cap_only(
    client: Client, style: Style, settings: Settings
) -> None:
    settings.REQUEST_MAX_BYTES = 50_000
    stream = io.BytesIO(_upload_body(style, jpeg_bytes((400, 300))) + b"\0" * 200_000)
    response = _chunked(client, "/es/", stream)
    assert response.status_code == 413
    assert TOO_LARGE["es"] in response.content.decode()
    assert stream.tell() == settings.REQUEST_MAX_BYTES + 1
    assert Order.objects.count() == 0


def test_a_chunked_body_under_the_cap_is_read_whole_and_the_order_is_placed(
    client: Client, style: Style, mocker: MockerFixture
) -> None:
    mocker.patch("rendering.tasks.render_job_run.delay")
    response = _chunked(client, "/en/", io.BytesIO(_upload_body(style, jpeg_bytes((120, 90)))))
    assert response.status_code == 303
    assert Order.objects.get().content_width == 120


def test_a_body_just_under_the_cap_goes_through(
    client: Client, style: Style, settings: Settings, mocker: MockerFixture
) -> None:
    mocker.patch("rendering.tasks.render_job_run.delay")
    body = _upload_body(style, jpeg_bytes((120, 90)))
    settings.REQUEST_MAX_BYTES = len(body)
    response = client.generic("POST", "/en/", body, content_type=MULTIPART_CONTENT)
    assert response.status_code == 303
    settings.REQUEST_MAX_BYTES = len(body) - 1
    assert client.generic("POST", "/en/", body, content_type=MULTIPART_CONTENT).status_code == 413
    assert Order.objects.count() == 1


# --- a real server, a real socket ----------------------------------------------------------------


def _listing(folder: Path) -> set[str]:
    return {str(path) for path in folder.rglob("*")} if folder.exists() else set()


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """gunicorn with deploy/gunicorn.conf.py and production settings, on a socket bound to port 0
    here and handed over (no race for the port); its temporary folder is a fresh one we watch."""
    server_tmp = tmp_path / "server-tmp"
    server_tmp.mkdir()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "picmatix.settings",
        "PICMATIX_VAR_DIR": str(tmp_path / "var"),
        "TMPDIR": str(server_tmp),
        "WEB_CONCURRENCY": "1",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
    command += ["--bind", f"fd://{listener.fileno()}", "--access-logfile", "/dev/null", "--no-control-socket"]
    command += ["picmatix.wsgi:application"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, pass_fds=[listener.fileno()])
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still importing Django
                pass
            assert process.poll() is None, "gunicorn exited before it listened"
            assert time.monotonic() < deadline, "gunicorn did not start in time"
            time.sleep(0.2)
        yield port, server_tmp
    finally:
        process.terminate()
        process.wait(timeout=30)
        listener.close()


@pytest.mark.slow
def test_sixty_megabytes_sent_to_gunicorn_get_a_413_within_a_second_and_no_temporary_file(
    gunicorn: tuple[int, Path], tmp_path: Path
) -> None:
    port, server_tmp = gunicorn
    size = 60 * 1024 * 1024
    # With a CSRF cookie and its token (anyone gets one by opening a page), Django would read the
    # whole body: CsrfViewMiddleware looks for the token in request.POST, which parses and spools.
    csrf = secrets.token_hex(16)
    head = (
        f"POST /es/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {MULTIPART_CONTENT}\r\n"
        f"Content-Length: {size}\r\nAccept-Language: en\r\nCookie: csrftoken={csrf}\r\nX-CSRFToken: {csrf}\r\n\r\n"
    ).encode()
    part_head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    # The server's tempfile.gettempdir() is its TMPDIR, a folder of its own: /tmp itself is shared
    # with whatever else runs on the machine, so files appearing there would prove nothing.
    before = _listing(server_tmp)
    appeared: set[str] = set()
    sent = [0]

    def send(sock: socket.socket) -> None:
        chunk = b"\xff" * (256 * 1024)
        try:
            sock.sendall(head + part_head)
            while sent[0] < size - len(part_head):
                sock.sendall(chunk)
                sent[0] += len(chunk)
                appeared.update(_listing(server_tmp) - before)  # a spooled upload would show here
        except OSError:
            pass  # the server answered and closed: the rest is not wanted

    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(5)
        started = time.perf_counter()
        sender = threading.Thread(target=send, args=(sock,), daemon=True)
        sender.start()
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            assert data, "the server closed without answering"
            answer += data
        elapsed = time.perf_counter() - started
        headers, _, body = answer.partition(b"\r\n\r\n")
        length = int(next(line for line in headers.split(b"\r\n") if line.lower().startswith(b"content-length:"))[15:])
        while len(body) < length:
            data = sock.recv(65536)
            if not data:
                break
            body += data
        sender.join(timeout=30)

    assert appeared == set(), "the body was spooled to a temporary file"
    assert _listing(server_tmp) == before
    assert headers.startswith(b"HTTP/1.1 413"), headers
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert TOO_LARGE["es"] in body.decode()  # the URL's /es/ wins over the browser's language
    assert sent[0] < size  # refused while the body was still coming
