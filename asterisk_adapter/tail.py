"""Complete lines of a log file that Asterisk appends to and logrotate renames or truncates,
each with the file and byte offset it ends at (like `tail -F`, but resumable).

A position is (device, inode, offset): after a restart the file is found again by its inode,
even if it was rotated away meanwhile (Master.csv → Master.csv.1), its rest read, and then
the new file from its start. A file shorter than the position was truncated (copytruncate):
it is read again from its start. A line without its newline yet is left for the next read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True)
class Position:
    device: int
    inode: int
    offset: int


@dataclass(frozen=True)
class Line:
    text: str
    path: str
    start: int  # byte offset of the line in its file
    after: Position  # where reading resumes once this line is done


class Tail:
    def __init__(self, path: Path, position: Position | None = None):
        self.path = path
        self._handle: BinaryIO | None = None
        self._identity: tuple[int, int] | None = None
        self._offset = 0
        self._opened_path = path
        if position is not None:
            self._resume(position)

    def _resume(self, position: Position) -> None:
        for candidate in [self.path, *sorted(self.path.parent.glob(self.path.name + "*"))]:
            try:
                stat = candidate.stat()
            except FileNotFoundError:
                continue
            if (stat.st_dev, stat.st_ino) == (position.device, position.inode):
                self._open(candidate, position.offset if stat.st_size >= position.offset else 0)
                return
        # The old file is gone: what it still held is lost to us; the current one from its start.

    def _open(self, path: Path, offset: int) -> None:
        if self._handle is not None:
            self._handle.close()
        self._handle = path.open("rb")
        stat = os.fstat(self._handle.fileno())
        self._identity = (stat.st_dev, stat.st_ino)
        self._handle.seek(offset)
        self._offset = offset
        self._opened_path = path

    @property
    def position(self) -> Position | None:
        if self._identity is None:
            return None
        return Position(self._identity[0], self._identity[1], self._offset)

    def lines(self, limit: int) -> Iterator[Line]:
        """Up to `limit` complete lines available now, following rotation and truncation."""
        produced = 0
        while produced < limit:
            if self._handle is None and not self._open_current():
                return
            assert self._handle is not None
            start = self._offset
            raw = self._handle.readline()
            if raw.endswith(b"\n"):
                self._offset += len(raw)
                produced += 1
                yield Line(raw.rstrip(b"\r\n").decode("utf-8", errors="replace"), str(self._opened_path), start,
                           Position(*self._identity_or_fail(), self._offset))
                continue
            self._handle.seek(self._offset)  # an unfinished line: not ours yet
            if not self._switch_if_rotated_or_truncated():
                return

    def _identity_or_fail(self) -> tuple[int, int]:
        assert self._identity is not None
        return self._identity

    def _open_current(self) -> bool:
        if not self.path.exists():
            return False
        self._open(self.path, 0)
        return True

    def _switch_if_rotated_or_truncated(self) -> bool:
        """At the end of what we have: True if reading should go on elsewhere (a new file, or
        the start of a truncated one)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return False  # rotated away, the new one not there yet
        if (stat.st_dev, stat.st_ino) != self._identity:
            self._open(self.path, 0)
            return True
        if stat.st_size < self._offset:
            self._open(self.path, 0)
            return True
        return False

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
