"""Reading source files as text: the one place that decides what counts as binary or badly encoded."""

from __future__ import annotations

import codecs
import io
import os
import stat
import tokenize
from pathlib import Path

MAX_FILE_BYTES = 200 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class UnreadableFile(Exception):
    """The file cannot be turned into text; `line` is set when the bad bytes can be placed."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise UnreadableFile(f"invalid {encoding} text: {exc.reason}") from None
    if b"\x00" in data[:8192]:
        raise UnreadableFile("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableFile(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})", line) from None


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES, whole: bool = True) -> bytes:
    """A regular file's bytes: all of them, refusing files over `limit`, or (whole=False) only the first `limit`.
    Opened without blocking and checked on the open descriptor, so a FIFO, a device (/dev/zero) or a file swapped
    for one after discovery is refused, never read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile("not a regular file (a FIFO, socket or device); not read")
        if whole and info.st_size > limit:
            raise UnreadableFile(f"file too large ({info.st_size} bytes; the limit is {limit})")
        try:
            data = handle.read(limit + 1 if whole else limit)
        except OSError as exc:
            raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None
    if whole and len(data) > limit:
        raise UnreadableFile(f"file too large (over {limit} bytes)")
    return data


def read_text(path: Path) -> str:
    return decode_for(path, read_bytes(path))


def decode_for(path: Path, data: bytes) -> str:
    """A file's bytes as text, by the rules of its kind: Python honours its encoding declaration."""
    return decode_python(data) if path.suffix.lower() == ".py" else decode(data)


def decode_python(data: bytes) -> str:
    """Python source in the encoding its PEP 263 declaration names (`# -*- coding: latin-1 -*-`), else UTF-8."""
    if not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError:  # an unknown encoding name, or a declaration that contradicts a BOM
            encoding = "utf-8"
        if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig") and b"\x00" not in data[:8192]:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                line = data[: exc.start].count(b"\n") + 1
                raise UnreadableFile(f"not valid {encoding} text (byte 0x{data[exc.start]:02x} at offset "
                                     f"{exc.start})", line) from None
    return decode(data)


def read_head(path: Path, size: int = 4096) -> bytes:
    """The first bytes of a regular file, for classifying it by content (UnreadableFile when it cannot be read)."""
    return read_bytes(path, size, whole=False)
