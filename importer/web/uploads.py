"""Receive an uploaded file: stream the request body to disk, never past the size limit.

The form posts ``multipart/form-data``; the body is parsed as it arrives, chunk by
chunk, and the file part is written straight to its place in the import's private
folder. A body larger than the limit stops being read at once (:class:`TooLarge`,
answered with 413), and what was written is removed.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.multipart import MultipartParser, parse_options_header

from .workspace import safe_name

__all__ = ["BadUpload", "TooLarge", "Upload", "human_size", "receive_upload"]

#: Room for the form's other fields and the multipart framing around the file.
_FRAMING = 64 * 1024


class TooLarge(Exception):
    """The upload is larger than the limit."""


class BadUpload(Exception):
    """The request is not a form with a file in it."""


@dataclass
class Upload:
    """What the form sent: the file's name and where it was written, and the other fields."""

    file_name: str = ""
    path: Path | None = None
    size: int = 0
    fields: dict[str, str] = field(default_factory=dict)


def human_size(count: int) -> str:
    """A byte count for people: 512 bytes, 3.2 MB, 4.0 GB."""
    if count < 1000:
        return f"{count} bytes"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


class _Parts:
    """The parser's callbacks: headers of each part, then its data to a file or a field."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder = folder
        self.limit = limit
        self.upload = Upload()
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._file: IO[bytes] | None = None
        self._value = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is not None and self._name == "file" and self.upload.path is None:
            name = safe_name(filename.decode("utf-8", "replace"))
            if filename:
                self.upload.file_name = name
                self.upload.path = self.folder / name
                self._file = self.upload.path.open("wb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self._file.write(data[start:end])
            self.upload.size += end - start
            if self.upload.size > self.limit:
                raise TooLarge
        elif len(self._value) < 10_000:
            self._value += data[start:end]

    def on_part_end(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        elif self._name:
            self.upload.fields[self._name] = self._value.decode("utf-8", "replace")
        self._headers, self._value, self._name = {}, bytearray(), ""

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


async def receive_upload(
    content_type: str, stream: AsyncIterator[bytes], folder: Path, limit: int
) -> Upload:
    """Parse a multipart body from ``stream``, writing its ``file`` part into ``folder``."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise BadUpload("the form did not send a file")
    parts = _Parts(folder, limit)
    callbacks = {
        "on_header_field": parts.on_header_field,
        "on_header_value": parts.on_header_value,
        "on_header_end": parts.on_header_end,
        "on_headers_finished": parts.on_headers_finished,
        "on_part_data": parts.on_part_data,
        "on_part_end": parts.on_part_end,
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in stream:
            received += len(chunk)
            if received > limit + _FRAMING:
                raise TooLarge
            parser.write(chunk)
        parser.finalize()
    except BaseException:
        parts.close()
        if parts.upload.path is not None:
            with contextlib.suppress(OSError):
                parts.upload.path.unlink()
        raise
    parts.close()
    if parts.upload.path is None:
        raise BadUpload("choose a file first")
    return parts.upload
