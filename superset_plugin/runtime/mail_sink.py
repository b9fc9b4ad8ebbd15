"""A local SMTP sink on 127.0.0.1: every mail Superset sends is stored as a .eml file in one folder.

The demo and the tests need to see what alerts and reports send without a real mail server. Superset
(smtplib) speaks a small part of SMTP when it has no credentials and no TLS: EHLO/HELO, MAIL, RCPT,
DATA, RSET, NOOP, QUIT; that part is served here with the standard library, one thread per connection.
Nothing is relayed; the sink refuses AUTH and STARTTLS, so a client that insists fails visibly.
"""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
import time
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType


class _Session(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode("ascii"))

    def handle(self) -> None:
        self.reply("220 jamfor mail sink")
        while raw := self.rfile.readline():
            verb = raw.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-jamfor\r\n250 8BITMIME" if verb == "EHLO" else "250 jamfor")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                self.server.store(self._data())
                self.reply("250 stored")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not served by the jamfor mail sink")

    def _data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)  # undo dot-stuffing
        return b"".join(lines)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, folder: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Session)
        self.folder = folder
        self._lock = threading.Lock()

    def store(self, message: bytes) -> None:
        with self._lock:
            number = len(list(self.folder.glob("*.eml"))) + 1
            (self.folder / f"{number:04d}-{time.strftime('%Y%m%dT%H%M%S')}.eml").write_bytes(message)


class MailSink:
    """``with MailSink(folder) as sink:`` an SMTP server on 127.0.0.1:``sink.port`` until the block ends."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._server: _Server | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the mail sink is not running")
        return int(self._server.server_address[1])

    def __enter__(self) -> MailSink:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._server = _Server(self.folder)
        thread = threading.Thread(target=self._server.serve_forever, name="jamfor-mail-sink", daemon=True)
        thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._server = None


def read_mails(folder: Path) -> list[EmailMessage]:
    """The mails stored in ``folder``, oldest first, parsed."""
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for path in sorted(folder.glob("*.eml"))]
