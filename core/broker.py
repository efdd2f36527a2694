"""The embedded default's broker: kombu's filesystem transport, taken first come, first served.

kombu names each message file after an unpadded millisecond counter and takes the files in the
order of their names as text, so "998813_..." sorts after "1009604_...": each time the counter gains
a digit, the messages sent just before wait behind every later one. Here the counter is the wall
clock in nanoseconds at a fixed width, so the text order is the order of sending, and it survives a
restart of the machine (kombu's monotonic clock starts again from zero at boot). Worth offering
upstream to kombu as a padded counter in its own ``_put``.

Messages written by kombu's own naming before this transport was used sort after the new ones; an
embedded shop restarted with messages still queued takes those last, once.
"""

from __future__ import annotations

import os
import uuid
from time import time_ns
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

# Nanoseconds since 1970 need 19 digits until the year 2286.
_WIDTH = 20


def message_name(queue: str, now_ns: int) -> str:
    return f"{now_ns:0{_WIDTH}d}_{uuid.uuid4()}.{queue}.msg"


class Channel(filesystem.Channel):
    # kombu's two base classes type this method differently; the filesystem one is what runs.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        path = os.path.join(self.data_folder_out, message_name(queue, time_ns()))
        # Written under a temporary name and renamed into place, so a reader never takes a file
        # that is still being written (kombu's own takes a lock the reader does not wait for).
        partial = f"{path}.partial"
        try:
            with open(partial, "wb", buffering=0) as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, path)
        except OSError as error:
            raise ChannelError(f"Cannot add a message to {self.data_folder_out!r}") from error


class Transport(filesystem.Transport):
    Channel = Channel
