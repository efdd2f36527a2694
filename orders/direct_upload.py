"""Browser uploads straight to S3 (PICMATIX_DIRECT_UPLOAD=1), checked like any other upload.

1. The page asks for a policy: a presigned POST for one key we choose (`incoming/<32 hex>`), at
   most UPLOAD_MAX_BYTES, Content-Type `image/*`, valid for a few minutes. S3 refuses the rest.
2. The browser sends the photo to S3 and the order form then carries a signed token naming the key
   (signed so that a form can only name a key this shop handed out).
3. The web tier fetches the object, runs `photo_clean` on it exactly as on a normal upload, and
   deletes it, passed or refused, before any order exists. What passes is stored as a normal
   upload by `order_create`; anything left in `incoming/` is swept by the retention job.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from botocore.exceptions import ClientError
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from storages.backends.s3 import S3Storage

from orders.images import CleanPhoto, photo_clean

INCOMING_PREFIX = "incoming/"
KEY_PATTERN = re.compile(r"incoming/[0-9a-f]{32}")
SIGNING_SALT = "picmatix.orders.direct-upload"
# How long a form may carry an uploaded photo while the customer corrects other fields.
TOKEN_MAX_AGE = 24 * 3600


@dataclass(frozen=True)
class UploadPolicy:
    url: str
    fields: dict[str, str]
    token: str
    max_bytes: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _s3() -> tuple[Any, str]:
    if not isinstance(default_storage, S3Storage):
        raise ImproperlyConfigured("direct upload needs PICMATIX_STORAGE=s3")
    return default_storage.connection.meta.client, default_storage.bucket_name


def direct_upload_policy(*, max_bytes: int, expire: int, human: bool = False) -> UploadPolicy:
    """A presigned POST for one new key, and the token the order form will carry for it.

    `human`: the reCAPTCHA was passed for this policy. The token says so, and the order form then
    asks for no second captcha (an answer can be checked only once); the key can make one order.
    """
    client, bucket = _s3()
    key = f"{INCOMING_PREFIX}{secrets.token_hex(16)}"
    post = client.generate_presigned_post(
        Bucket=bucket,
        Key=key,
        Conditions=[["content-length-range", 1, max_bytes], ["starts-with", "$Content-Type", "image/"]],
        ExpiresIn=expire,
    )
    token = signing.dumps([key, True] if human else key, salt=SIGNING_SALT)
    return UploadPolicy(url=post["url"], fields=post["fields"], token=token, max_bytes=max_bytes)


def _claims(token: str) -> tuple[str, bool]:
    try:
        payload = signing.loads(token, salt=SIGNING_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        payload = None
    key, human = None, False
    if isinstance(payload, str):  # a policy handed out without a captcha
        key = payload
    elif isinstance(payload, list) and len(payload) == 2:
        key, human = payload
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ValidationError(_("Your photo did not arrive. Please choose it again."), code="upload_missing")
    return key, human is True


def direct_upload_key(token: str) -> str:
    """The key a form's token names, or ValidationError if the token is forged or too old."""
    return _claims(token)[0]


def direct_upload_human(token: str) -> bool:
    """Whether the token's policy was handed out after a passed reCAPTCHA."""
    try:
        return _claims(token)[1]
    except ValidationError:
        return False


def _spend(key: str) -> bool:
    """Mark the key's token used; False if it already was."""
    # One use per key: a presigned POST can be used again until it expires, and a token that
    # stands for a passed captcha must not stand for a second order.
    return bool(cache.add(f"picmatix:direct-upload-taken:{key}", 1, TOKEN_MAX_AGE))


def direct_upload_take(*, token: str, max_bytes: int, max_pixels: int) -> CleanPhoto:
    """Fetch the uploaded object, check it like a form upload, and delete it whatever the verdict."""
    key = direct_upload_key(token)
    if not _spend(key):
        raise ValidationError(_("Your photo did not arrive. Please choose it again."), code="upload_missing")
    client, bucket = _s3()
    try:
        try:
            size = int(client.head_object(Bucket=bucket, Key=key)["ContentLength"])
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise ValidationError(
                    _("Your photo did not arrive. Please choose it again."), code="upload_missing"
                ) from None
            raise
        # Never read more than the limit: the object could have been replaced since the HEAD.
        data = b"" if size > max_bytes else client.get_object(Bucket=bucket, Key=key)["Body"].read(max_bytes + 1)
        # photo_clean refuses by `size` before reading anything, so an oversized object is never fetched.
        return photo_clean(io.BytesIO(data), size=max(size, len(data)), max_bytes=max_bytes, max_pixels=max_pixels)
    finally:
        client.delete_object(Bucket=bucket, Key=key)


def direct_upload_discard(token: str) -> None:
    """Spend the token and delete the object it names, unread (a refused order keeps nothing)."""
    try:
        key = direct_upload_key(token)
    except ValidationError:
        return
    _spend(key)
    client, bucket = _s3()
    client.delete_object(Bucket=bucket, Key=key)
