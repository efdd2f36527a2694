"""Nothing a camera or editor wrote beside the pixels is stored with the customer's photo."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from orders.images import photo_clean


@pytest.mark.parametrize(
    ("size", "orientation"), [((200, 100), 1), ((200, 100), 6), ((3000, 2000), 1)], ids=["small", "turned", "scaled"]
)
def test_a_jpeg_comment_is_not_stored(size: tuple[Any, ...], orientation: int) -> None:
    # JPEG comments (COM segments) carry owner names, serial numbers, editing software.
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(buffer, "JPEG", comment=b"Owner: Ana Lopez, SN 12345", exif=exif)
    data = buffer.getvalue()

    photo = photo_clean(io.BytesIO(data), size=len(data), max_bytes=10**8, max_pixels=10**8, max_side=1024)

    assert b"Ana Lopez" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as stored:
        assert "comment" not in stored.info
