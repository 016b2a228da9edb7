"""A small raw-socket SMTP client for the attack and protocol tests: it sends exactly the bytes it is given
(pipelined, split, with bare CR or LF), reads replies line by line (multi-line replies, RFC 5321 §4.2.1) and
runs TLS itself through an ssl.SSLObject over memory BIOs, so a test can see whether anything arrived in clear,
send a close_notify without waiting for the server's, and then write plaintext on the same TCP connection.
Certificate verification is off: the tests judge the SMTP side, the certificate is the fixture's own.
Every read has a timeout; nothing here can block a test forever.
"""
import re
import socket
import ssl
import time
from dataclasses import dataclass

READ_TIMEOUT = 10.0
REPLY_LINE = re.compile(rb"^(\d{3})([ -])(.*)$", re.S)


class ConnectionClosed(Exception):
    """The server closed the connection (EOF or reset) while a reply was expected."""


@dataclass
class Reply:
    code: int
    lines: list  # the text of every line, without the code and separator

    @property
    def text(self):
        return "\n".join(self.lines)

    @property
    def status(self):
        """The enhanced status code (RFC 3463) of the last line, "" when there is none."""
        found = re.match(r"^(\d\.\d{1,3}\.\d{1,3})\b", self.lines[-1] if self.lines else "")
        return found.group(1) if found else ""

    def __str__(self):
        return f"{self.code} {self.text}"


def client_tls_context():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class SmtpClient:
    """One TCP connection to an SMTP server. With `implicit_tls` TLS starts at once (port 465)."""

    def __init__(self, address, port, timeout=READ_TIMEOUT, implicit_tls=False, source=None):
        self.timeout = timeout
        self.sock = socket.create_connection((address, port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.sock.settimeout(timeout)
        self.buffer = b""       # decrypted (or clear) bytes read but not yet consumed
        self.tls = None         # ssl.SSLObject once TLS is on
        self.incoming = self.outgoing = None
        self.raw_eof = False
        self.closed_reason = None  # why the server's side ended, when a check saw it end
        if implicit_tls:
            self.start_tls()

    # --- bytes --------------------------------------------------------------------------------------------
    def send(self, data: bytes):
        """Sends `data` as it is, in one write (encrypted when TLS is on)."""
        if self.tls:
            self.tls.write(data)
            self._flush_tls()
        else:
            self.sock.sendall(data)

    def send_raw(self, data: bytes):
        """Writes `data` on the TCP connection itself, in clear, even when TLS is on."""
        self.sock.sendall(data)

    def _flush_tls(self):
        pending = self.outgoing.read()
        if pending:
            self.sock.sendall(pending)

    def _receive(self, timeout):
        """Reads more bytes into self.buffer; returns False on timeout; raises ConnectionClosed at EOF."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self.tls:
                try:
                    data = self.tls.read(65536)
                    if not data:
                        raise ConnectionClosed("TLS closed")
                    self.buffer += data
                    return True
                except ssl.SSLWantReadError:
                    pass
                except ssl.SSLZeroReturnError as error:
                    raise ConnectionClosed("TLS close_notify from the server") from error
                except ssl.SSLError as error:
                    raise ConnectionClosed(f"TLS error: {error}") from error
                raw = self._read_socket(remaining)
                if raw is None:
                    return False
                if raw == b"":
                    self.incoming.write_eof()
                    raise ConnectionClosed("EOF under TLS")
                self.incoming.write(raw)
            else:
                raw = self._read_socket(remaining)
                if raw is None:
                    return False
                if raw == b"":
                    raise ConnectionClosed("EOF")
                self.buffer += raw
                return True

    def _read_socket(self, timeout):
        """One recv on the TCP connection: bytes, b"" at EOF or reset, None on timeout."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return None
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        finally:
            self.sock.settimeout(self.timeout)
        if data == b"":
            self.raw_eof = True
        return data

    def read_line(self, timeout=None):
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while b"\r\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._receive(remaining):
                raise TimeoutError(f"no complete reply line within {timeout}s; have {self.buffer!r}")
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    # --- replies ------------------------------------------------------------------------------------------
    def read_reply(self, timeout=None) -> Reply:
        """One reply, all its lines (RFC 5321 §4.2.1); fails on a malformed line or mixed codes."""
        code, lines = None, []
        while True:
            line = self.read_line(timeout)
            found = REPLY_LINE.match(line)
            assert found, f"malformed reply line {line!r}"
            assert code is None or int(found.group(1)) == code, f"reply code changed within a reply: {line!r}"
            code = int(found.group(1))
            lines.append(found.group(3).decode("utf-8", "replace"))
            if found.group(2) == b" ":
                return Reply(code, lines)

    def command(self, line, timeout=None) -> Reply:
        """Sends one command line (CRLF added) and reads its reply."""
        self.send(line.encode() + b"\r\n" if isinstance(line, str) else line + b"\r\n")
        return self.read_reply(timeout)

    def expect(self, line, code, timeout=None) -> Reply:
        reply = self.command(line, timeout)
        assert reply.code == code, f"{line!r}: expected {code}, got {reply}"
        return reply

    def greeting(self) -> Reply:
        reply = self.read_reply()
        assert reply.code == 220, f"greeting: {reply}"
        return reply

    def ehlo(self, name="client.example.net") -> Reply:
        return self.expect(f"EHLO {name}", 250)

    def extensions(self, reply: Reply):
        """The EHLO keywords (upper case) with their parameters: {"SIZE": "52428800", "PIPELINING": ""}."""
        found = {}
        for line in reply.lines[1:]:
            keyword, _, parameters = line.partition(" ")
            found[keyword.upper()] = parameters
        return found

    def nothing_within(self, seconds) -> bool:
        """True when no byte arrives within `seconds` (and the connection is still open)."""
        if self.buffer:
            return False
        try:
            return not self._receive(seconds)
        except ConnectionClosed as closed:
            self.closed_reason = str(closed)
            return False

    def clear_bytes_pending(self, seconds=0.3):
        """Bytes the server sent in clear that nobody read yet (waits `seconds` for late ones)."""
        time.sleep(seconds)
        self.sock.setblocking(False)
        try:
            return self.buffer + self.sock.recv(65536, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            return self.buffer
        finally:
            self.sock.setblocking(True)
            self.sock.settimeout(self.timeout)

    # --- TLS ----------------------------------------------------------------------------------------------
    def start_tls(self):
        """Handshakes over the TCP connection (after a 220 to STARTTLS, or at once on 465)."""
        assert not self.buffer, f"bytes after the STARTTLS reply, before the handshake: {self.buffer!r}"
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = client_tls_context().wrap_bio(self.incoming, self.outgoing, server_side=False,
                                            server_hostname="mx.example.test")
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush_tls()
                raw = self._read_socket(deadline - time.monotonic())
                if raw is None:
                    raise TimeoutError("TLS handshake timed out")
                if raw == b"":
                    raise ConnectionClosed("EOF during the TLS handshake")
                self.incoming.write(raw)
        self._flush_tls()
        self.tls = tls

    def starttls(self) -> Reply:
        reply = self.expect("STARTTLS", 220)
        self.start_tls()
        return reply

    def tls_version(self):
        return self.tls.version() if self.tls else None

    def tls_cipher(self):
        return self.tls.cipher()[0] if self.tls else None

    def send_close_notify(self):
        """Sends our TLS close_notify and stops using TLS, without waiting for the server's."""
        try:
            self.tls.unwrap()
        except ssl.SSLWantReadError:
            pass
        self._flush_tls()

    def received_until_close(self, timeout=5.0):
        """Raw bytes the server sends until it closes the TCP connection; None if still open at `timeout`."""
        data = b""
        deadline = time.monotonic() + timeout
        while not self.raw_eof:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            chunk = self._read_socket(remaining)
            if chunk is None:
                return None
            data += chunk
        return data

    def replies_until_close(self, timeout=5.0):
        """Every reply until the server closes the connection; fails if it stays open past `timeout`."""
        replies = []
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"connection still open after {timeout}s; replies so far {replies}"
            try:
                replies.append(self.read_reply(remaining))
            except ConnectionClosed:
                assert not self.buffer, f"partial reply before close: {self.buffer!r}"
                return replies
            except TimeoutError as error:
                raise AssertionError(f"connection still open after {timeout}s; replies {replies}") from error

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- what was stored --------------------------------------------------------------------------------------
def split_received(content: bytes):
    """(the Received header lines danemail prepended, unfolded; the rest of the message as the client sent it)."""
    received = []
    rest = content
    while rest.startswith(b"Received:"):
        end = rest.index(b"\r\n")
        while rest[end + 2:end + 3] in (b" ", b"\t"):  # folded continuation lines (RFC 5322 §2.2.3)
            end = rest.index(b"\r\n", end + 2)
        received.append(b" ".join(rest[:end].split()).decode("utf-8", "replace"))
        rest = rest[end + 2:]
    return received, rest
