"""A container log as bytes arrive: cut into lines for the classifier, and stored within a size limit.

Both keep memory bounded whatever the container prints: gigabytes, binary data, a progress bar that
rewrites one line with carriage returns for an hour, or no newline at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

MAX_LINE_BYTES = 64 * 1024
CUT_MARK = " …[line cut]… "


class LineSplitter:
    """Complete lines from a byte stream. A line longer than `limit` keeps its first and its last
    `limit` bytes around a cut mark (where a progress bar's final state or a late error message is),
    so a log without newlines cannot grow memory, and line numbers stay those of the file."""

    def __init__(self, limit: int = MAX_LINE_BYTES) -> None:
        self._limit = limit
        self._head = bytearray()
        self._tail = bytearray()
        self._cut = False

    def feed(self, data: bytes) -> list[str]:
        lines: list[str] = []
        start = 0
        while True:
            newline = data.find(b"\n", start)
            self._take(data[start : len(data) if newline < 0 else newline])
            if newline < 0:
                return lines
            lines.append(self._line())
            start = newline + 1

    def flush(self) -> list[str]:
        """The last line when the stream ended without a newline."""
        return [self._line()] if self._head else []

    def _take(self, piece: bytes) -> None:
        room = self._limit - len(self._head)
        if room > 0:
            self._head += piece[:room]
            piece = piece[room:]
        if piece:
            self._cut = True
            self._tail += piece
            if len(self._tail) > self._limit:
                del self._tail[: len(self._tail) - self._limit]

    def _line(self) -> str:
        text = self._decode(bytes(self._head))
        if self._cut:
            text += CUT_MARK + self._decode(bytes(self._tail))
        self._head.clear()
        self._tail.clear()
        self._cut = False
        return text

    @staticmethod
    def _decode(raw: bytes) -> str:
        return raw.decode("utf-8", "replace").rstrip("\r")


class CappedLog:
    """A log file of at most about `limit` bytes: the first half as it came, then the most recent bytes.

    The tail is kept in two segment files that take turns, so neither memory nor disk grows; `close`
    joins head, a marker saying how much was cut, and the tail."""

    def __init__(self, path: Path, limit: int | None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.written = 0
        self._head_limit = None if limit is None else limit // 2
        self._segment_limit = None if limit is None else max(1, limit // 4)
        self._head: BinaryIO = path.open("wb")
        self._head_size = 0
        self._segments = [path.with_name(path.name + f".tail{i}") for i in (0, 1)]
        self._tail: BinaryIO | None = None
        self._current = 0
        self._sizes = [0, 0]

    @property
    def cut(self) -> int:
        """Bytes left out of the stored file."""
        return self.written - self._head_size - sum(self._sizes)

    def write(self, data: bytes) -> None:
        self.written += len(data)
        if self._head_limit is None or self._head_size < self._head_limit:
            room = len(data) if self._head_limit is None else self._head_limit - self._head_size
            self._head.write(data[:room])
            self._head.flush()
            self._head_size += min(room, len(data))
            data = data[room:]
        while data:
            assert self._segment_limit is not None
            if self._tail is None or self._sizes[self._current] >= self._segment_limit:
                self._next_segment()
            assert self._tail is not None
            room = self._segment_limit - self._sizes[self._current]
            self._tail.write(data[:room])
            self._tail.flush()
            self._sizes[self._current] += min(room, len(data))
            data = data[room:]

    def _next_segment(self) -> None:
        if self._tail is not None:
            self._tail.close()
            self._current = 1 - self._current
        self._tail = self._segments[self._current].open("wb")
        self._sizes[self._current] = 0

    def close(self) -> None:
        """Join head and tail into the log file; safe to call twice."""
        if self._head.closed:
            return
        if self._tail is not None:
            self._tail.close()
            if self.cut:
                self._head.write(f"\n…[{self.cut} bytes cut by log_limit]…\n".encode())
            for index in (1 - self._current, self._current):
                segment = self._segments[index]
                if segment.exists():
                    with segment.open("rb") as source:
                        while block := source.read(1 << 20):
                            self._head.write(block)
                    segment.unlink()
        self._head.close()
