"""Input files as people save them: names that can be printed and stored, and CSV text as Swedish
Excel writes it (semicolons, Windows-1252) as well as UTF-8 (with or without BOM) and UTF-16.

Every CSV problem names the line, so a person can open the file and find it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jamfor.errors import Findings

MAX_CSV_BYTES = 100 * 1024 * 1024
DELIMITERS = (";", ",", "\t")


def utf8_text(text: str) -> str:
    """A file name or path as text that prints and stores everywhere: bytes that are not UTF-8 (a
    name made on another system) become U+FFFD instead of failing the load after reading it."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def shown_name(path: Path) -> str:
    return utf8_text(path.name)


def _identity(path: Path) -> tuple[tuple[int, int], str] | None:
    """The file itself (device, inode) and a digest of its content; None when it cannot be read
    (reading it says why)."""
    digest = hashlib.sha256()
    try:
        info = path.stat()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return (info.st_dev, info.st_ino), digest.hexdigest()


def refuse_repeats(files: Sequence[tuple[Path, str]], findings: Findings) -> None:
    """One problem per file given again on the command line — the same file, or another with the same
    content — instead of every row of it reported as given twice. ``files`` pairs each path with
    the name problems show."""
    seen: dict[object, tuple[int, str]] = {}
    for number, (path, name) in enumerate(files, 1):
        identity = _identity(path)
        if identity is None:
            continue
        same_file, same_content = identity
        earlier = seen.get(same_file) or seen.get(same_content)
        if earlier is not None:
            what = "the same file" if same_file in seen else "the same content"
            findings.add("given-twice", f"{what} as argument {earlier[0]} ({earlier[1]}); give each "
                         "file once", file=name)
            continue
        seen[same_file] = seen[same_content] = (number, name)


@dataclass(frozen=True)
class CsvRows:
    """A CSV file's header and its records, each with the line it starts on."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str
    delimiter: str


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read in; raises UnicodeDecodeError when none fits."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    head = data[:4096]
    if head.count(b"\x00") > len(head) // 4:  # UTF-16 without a BOM: every other byte is 0
        encoding = "utf-16-be" if head[:1] == b"\x00" else "utf-16-le"
        return data.decode(encoding), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "cp1252"


def _delimiter(first_line: str) -> str:
    """The delimiter the header line uses most (Swedish Excel writes ';', others ',')."""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv_rows(path: Path, file: str, findings: Findings) -> CsvRows | None:
    """Header and records of a CSV file; None (with the problem in ``findings``) when it cannot be read.
    Records with another number of fields than the header are reported by line and left out."""
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            findings.add("too-large", f"the file is {size / 2 ** 20:,.0f} MB, more than the "
                       f"{MAX_CSV_BYTES // 2 ** 20} MB jamfor reads", file=file)
            return None
        data = path.read_bytes()
    except OSError as exc:
        findings.add("unreadable", f"cannot read the file: {exc.strerror or type(exc).__name__}", file=file)
        return None
    try:
        text, encoding = _decode(data)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        findings.add("encoding", "not text in UTF-8, UTF-16 or Windows-1252 (byte "
                   f"0x{data[exc.start]:02x})", file=file, row=line)
        return None
    first_line = text.split("\n", 1)[0]
    delimiter = _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for fields in reader:
            if header is None:
                header = [f.strip() for f in fields]
            elif any(f.strip() for f in fields):
                if len(fields) != len(header):
                    findings.add("field-count", f"{len(fields)} fields where the header has {len(header)} "
                               f"(delimiter {delimiter!r})", file=file, row=line)
                else:
                    rows.append((line, fields))
            line = reader.line_num + 1
    except csv.Error as exc:
        findings.add("unreadable", f"not CSV: {exc}", file=file, row=reader.line_num or line)
        return None
    if header is None:
        findings.add("empty", "the file is empty", file=file)
        return None
    return CsvRows(header, rows, encoding, delimiter)
