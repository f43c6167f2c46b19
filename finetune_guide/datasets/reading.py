"""Reading a file's bytes as lines: CR/LF and the BOM, oversize lines, and data that is not UTF-8 text."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Final

from finetune_guide.datasets.findings import Findings
from finetune_guide.datasets.models import FILE_LEVEL_LINE

# Lines longer than this are reported, not parsed: it bounds the memory one line can take.
MAX_LINE_BYTES: Final = 64 * 1024 * 1024
BOM: Final = b"\xef\xbb\xbf"
# The first bytes judged by sniff: enough to tell UTF-16, ZIP and binary data from text.
SNIFF_BYTES: Final = 8192


def lines(data: bytes | bytearray | memoryview | Iterable[bytes]) -> Iterator[tuple[bytes | None, int]]:
    """Physical lines without their line break (LF or CRLF) and their size in bytes.

    A line over MAX_LINE_BYTES comes as None: it is skipped while reading, so memory stays bounded.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        return _blob_lines(bytes(data) if not isinstance(data, bytes) else data)
    return _chunk_lines(data)


def _without_cr(line: bytes) -> bytes:
    return line[:-1] if line.endswith(b"\r") else line


def _blob_lines(blob: bytes) -> Iterator[tuple[bytes | None, int]]:
    start = 0
    end = len(blob)
    while start < end:
        stop = blob.find(b"\n", start)
        if stop < 0:
            stop = end
        size = stop - start
        if size > MAX_LINE_BYTES:
            yield None, size
        else:
            yield _without_cr(blob[start:stop]), size
        start = stop + 1


def _chunk_lines(data: Iterable[bytes]) -> Iterator[tuple[bytes | None, int]]:
    # A line may span chunks: its pieces are held until its break, or dropped once it is known to be oversize.
    pieces: list[bytes] = []
    held = 0
    oversize = False
    for chunk in data:
        start = 0
        while True:
            stop = chunk.find(b"\n", start)
            if stop < 0:
                rest = chunk[start:]
                if rest:
                    held += len(rest)
                    if held > MAX_LINE_BYTES:
                        oversize, pieces = True, []
                    elif not oversize:
                        pieces.append(rest)
                break
            part = chunk[start:stop]
            size = held + len(part)
            if oversize or size > MAX_LINE_BYTES:
                yield None, size
            else:
                if pieces:
                    pieces.append(part)
                yield _without_cr(b"".join(pieces) if pieces else part), size
            pieces, held, oversize = [], 0, False
            start = stop + 1
    if held:
        yield (None, held) if oversize else (_without_cr(b"".join(pieces)), held)


def iter_lines(data: bytes) -> Iterator[tuple[int, bytes | None]]:
    """(1-based line number, line) as the check reads them: no BOM, no CR/LF; None for an oversize line."""
    for number, (raw, _) in enumerate(lines(data), 1):
        if number == 1 and raw is not None and raw.startswith(BOM):
            yield number, raw[3:]
        else:
            yield number, raw


def fingerprint(line: bytes) -> bytes:
    """What makes two lines duplicates: the same bytes once surrounding whitespace is stripped."""
    return hashlib.sha1(line.strip(), usedforsecurity=False).digest()


def sniff(head: bytes) -> tuple[str, dict[str, str | int]] | None:
    """A reason the data is not UTF-8 text at all, judged from its first bytes."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "wrong_encoding", {"encoding": "UTF-32"}
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "wrong_encoding", {"encoding": "UTF-16"}
    if head.startswith(b"PK\x03\x04"):
        return "not_text_zip", {}
    if b"\x00" in head:
        if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
            return "wrong_encoding", {"encoding": "UTF-16"}
        # One stray NUL is a broken line (reported there); a file full of control bytes is not text.
        text = head.decode("utf-8", "replace")
        odd = sum(1 for ch in text if ch == "\ufffd" or (ch < " " and ch not in "\t\n\r"))
        if odd > len(text) // 20:
            return "not_text_binary", {}
    return None


def chunks_with_sniff(data: bytes | Iterable[bytes], findings: Findings) -> bytes | Iterable[bytes]:
    """The data unchanged, or nothing at all when its first bytes show it is not UTF-8 text."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        problem = sniff(bytes(data[:SNIFF_BYTES]))
        if problem is not None:
            findings.add(FILE_LEVEL_LINE, problem[0], **problem[1])
            return b""
        return data

    def sniffed() -> Iterator[bytes]:
        iterator = iter(data)
        head = b""
        for chunk in iterator:
            head += chunk
            if len(head) >= SNIFF_BYTES:
                break
        problem = sniff(head[:SNIFF_BYTES])
        if problem is not None:
            findings.add(FILE_LEVEL_LINE, problem[0], **problem[1])
            return
        if head:
            yield head
        yield from iterator

    return sniffed()
