"""A real S3 API over HTTP on 127.0.0.1 for the tests: moto's server, plus two rules moto skips.

moto stores objects faithfully but accepts an expired presigned URL and ignores the conditions of
a browser-upload (POST) policy. The tests must be able to fail where real S3 would refuse, so a
thin WSGI layer in front of moto applies those rules as AWS documents them ("Authenticating
Requests: Browser-Based Uploads Using POST", "Query string authentication"): an expired link is
403 AccessDenied, a POST whose policy is expired, wrongly signed, or not met is refused.

Registered as a pytest plugin by the root conftest.py: fixtures `s3_server` (session) and `s3`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    "AWS_DEFAULT_REGION": REGION,
    # Never look for credentials on the network (instance metadata) or in the developer's files.
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
IGNORED_POST_FIELDS = {"policy", "x-amz-signature", "file"}

StartResponse = Callable[..., Any]


def _error(start_response: StartResponse, status: str, code: str, message: str) -> list[bytes]:
    body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    start_response(status, [("Content-Type", "application/xml")])
    return [body.encode()]


def _signing_key(date: str, region: str) -> bytes:
    key = f"AWS4{SECRET_KEY}".encode()
    for part in (date, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def post_policy_refusal(bucket: str, form: dict[str, str], file_size: int, now: datetime) -> tuple[str, str] | None:
    """Why S3 would refuse this browser upload: (code, message), or None if it would store it."""
    fields = {k.lower(): v for k, v in form.items()}
    try:
        policy = json.loads(base64.b64decode(fields["policy"]))
        credential = fields["x-amz-credential"].split("/")
    except (KeyError, ValueError):
        return "InvalidPolicyDocument", "Invalid Policy: missing or malformed policy"
    expected = hmac.new(_signing_key(credential[1], credential[2]), fields["policy"].encode(), hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), fields.get("x-amz-signature", "")):
        return "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
    if datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00")) < now:
        return "AccessDenied", "Invalid according to Policy: Policy expired."
    fields["bucket"] = bucket
    covered = set()
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            [(name, value)] = condition.items()
            condition = ["eq", f"${name}", value]
        operator, name, value = condition[0].lower(), condition[1], condition[2]
        if operator == "content-length-range":
            if file_size > value:
                return "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
            if file_size < name:
                return "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"
            continue
        field = name.lstrip("$").lower()
        covered.add(field)
        actual = fields.get(field)
        ok = actual == value if operator == "eq" else actual is not None and actual.startswith(value)
        if not ok:
            return "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}"
    extra = {f for f in fields if f not in covered | IGNORED_POST_FIELDS and not f.startswith("x-ignore-")}
    if extra:
        name = sorted(extra)[0]
        return "AccessDenied", f"Invalid according to Policy: Extra input fields: {name}"
    return None


class S3Rules:
    """WSGI middleware in front of moto: presigned-URL expiry and POST policies, as S3 enforces them."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        now = datetime.now(UTC)
        query = dict(pair.split("=", 1) for pair in environ.get("QUERY_STRING", "").split("&") if "=" in pair)
        if "X-Amz-Expires" in query and "X-Amz-Date" in query:
            signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            if now > signed_at + timedelta(seconds=int(query["X-Amz-Expires"])):
                return _error(start_response, "403 Forbidden", "AccessDenied", "Request has expired")
        content_type = environ.get("CONTENT_TYPE", "")
        if environ["REQUEST_METHOD"] == "POST" and content_type.startswith("multipart/form-data"):
            from werkzeug.formparser import parse_form_data

            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            _, form, files = parse_form_data({**environ, "wsgi.input": io.BytesIO(body)})
            upload = files.get("file")
            size = len(upload.read()) if upload else 0
            bucket = environ["PATH_INFO"].strip("/").split("/")[0]
            refusal = post_policy_refusal(bucket, form.to_dict(), size, now)
            if refusal:
                status = "400 Bad Request" if refusal[0].startswith("Entity") else "403 Forbidden"
                return _error(start_response, status, *refusal)
            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


@dataclass
class S3:
    endpoint: str
    bucket: str
    client: Any

    def keys(self, prefix: str = "") -> list[str]:
        response = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in response.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def storage_settings(self, **options: Any) -> dict[str, Any]:
        """STORAGES["default"] for this bucket, as picmatix/settings.py builds it for PICMATIX_STORAGE=s3."""
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": self.bucket,
                "region_name": REGION,
                "endpoint_url": self.endpoint,
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
                "signature_version": "s3v4",
                "addressing_style": "auto",
                **options,
            },
        }


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 on a free port of 127.0.0.1, for the whole session; yields its endpoint URL."""
    pytest.importorskip("moto.moto_server.werkzeug_app", reason="pip install 'moto[server]' (the dev extra)")
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    saved = {name: os.environ.get(name) for name in AWS_ENV}
    os.environ.update(AWS_ENV)
    app = S3Rules(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="moto-s3")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def s3_client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(signature_version="s3v4"),
    )


@pytest.fixture
def s3(s3_server: str, settings: Any, media: Any) -> S3:
    """A fresh private bucket, and the shop's default storage pointed at it (PICMATIX_STORAGE=s3).

    Depends on `media` so that it always comes after it: fixtures such as `style` that need
    `media` then store their files in the bucket too.
    """
    client = s3_client(s3_server)
    bucket = f"picmatix-test-{secrets.token_hex(6)}"
    client.create_bucket(Bucket=bucket)
    s3 = S3(endpoint=s3_server, bucket=bucket, client=client)
    settings.STORAGE_BACKEND = "s3"
    settings.STORAGES = {**settings.STORAGES, "default": s3.storage_settings()}
    return s3
