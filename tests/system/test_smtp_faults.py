"""Faults the SMTP server must survive without losing or half-showing mail (issue 4, "Durability"):
  - `kill -9` at random moments, during DATA and right after a 250, in a bounded loop while several clients
    send as fast as they can: every message that got 250 is in its recipients' INBOXes exactly once and
    complete, no message is half-written or visible from the temporary folder, a message for two accounts is
    in both or in neither (one transaction);
  - a full disk (a small tmpfs as the state directory): 452 4.3.1 at the end of DATA (RFC 3463 §3.4 "mail
    system full"; RFC 5321 §4.2.2 452) whether the message file or the database's commit runs out of room,
    never 250 for a message that is not stored, no file left behind, and 250 again once space is back, with
    the database intact.
The SMTP client here is a few lines on a raw socket, so the test knows exactly which bytes were sent and which
reply arrived (RFC 5321 §4.1.1.4 DATA, §4.5.2 dot-stuffing); it never retries a message.
"""
import errno
import os
import random
import re
import socket
import sqlite3
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from mail import mail_server  # noqa: F401 (the fixture)

ADDRESS = "127.6.4.1"  # this module's loopback address; its tests run one after the other
ALICE, BOB = "alice@example.test", "bob@example.test"
PASSWORD = "correct horse battery staple"
RECIPIENT_SETS = [(ALICE,), (BOB,), (ALICE, BOB)]
MESSAGE_ID = re.compile(rb"^Message-ID: <([^>]+)>\r$", re.MULTILINE)
ADDED_FIELDS = re.compile(rb"(?:[!-9;-~]+:[^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*)+")  # RFC 5322 §2.2


class ConnectionLost(Exception):
    pass


class SmtpClient:
    """One SMTP connection on port 25; every method raises ConnectionLost (or OSError) when the server goes."""

    def __init__(self, address, port=25, timeout=15):
        self.sock = socket.create_connection((address, port), timeout=timeout)
        self.pending = b""
        self.data_ended = False  # the last transaction's data went out whole, with its final "."
        code, text = self.reply()
        if code != 220:
            self.close()
            raise ConnectionLost(f"greeting {code} {text}")
        code, text = self.command("EHLO client.test")
        if code != 250:
            self.close()
            raise ConnectionLost(f"EHLO {code} {text}")

    def close(self):
        self.sock.close()

    def reply(self):
        """Reads one (possibly multi-line) reply: (code, text of the last line)."""
        while True:
            end = self.pending.find(b"\r\n")
            while end < 0:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionLost("connection closed")
                self.pending += chunk
                end = self.pending.find(b"\r\n")
            line, self.pending = self.pending[:end], self.pending[end + 2:]
            if len(line) < 4 or not line[:3].isdigit():
                raise ConnectionLost(f"bad reply line {line!r}")
            if line[3:4] != b"-":
                return int(line[:3]), line[4:].decode(errors="replace")

    def command(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def send_message(self, mail_from, recipients, message, halfway=None):
        """One transaction; returns the final (code, text). `halfway` is called after half the data is
        sent (the DATA reader holds half a message then)."""
        self.data_ended = False
        for line in [f"MAIL FROM:<{mail_from}>", *(f"RCPT TO:<{r}>" for r in recipients)]:
            code, text = self.command(line)
            if code != 250:
                self.command("RSET")
                return code, text
        code, text = self.command("DATA")
        if code != 354:
            return code, text
        stuffed = dot_stuff(message)
        self.sock.sendall(stuffed[:len(stuffed) // 2])
        if halfway:
            halfway()
        self.sock.sendall(stuffed[len(stuffed) // 2:] + b".\r\n")
        self.data_ended = True
        return self.reply()


def dot_stuff(message):
    """RFC 5321 §4.5.2: a line starting with "." gets one more."""
    return re.sub(rb"(?m)^\.", b"..", message)


def make_message(message_id, recipients, size):
    """A message of about `size` bytes ending with a marker line that names it; some lines start with a dot."""
    head = (f"From: <sender@client.test>\r\nTo: {', '.join(f'<{r}>' for r in recipients)}\r\n"
            f"Subject: {message_id}\r\nMessage-ID: <{message_id}>\r\n\r\n").encode()
    line = (f"{message_id} " * 8)[:70].encode() + b"\r\n"
    body = b"".join(line if i % 50 else b"." + line for i in range(max(1, size // len(line))))
    return head + body + f"END-OF-MESSAGE {message_id}\r\n".encode()


def assert_complete(entry, original):
    """The stored message is what was sent, after the header fields the server adds (a Received field,
    RFC 5321 §4.4), and nothing more; its size is the file's."""
    content = entry["content"]
    assert content.endswith(original), f"incomplete or altered: {entry['file']}"
    added = content[:len(content) - len(original)]
    assert ADDED_FIELDS.fullmatch(added) and b"Received:" in added, f"{entry['file']} starts with {added[:300]!r}"
    assert entry["size"] == len(content), f"{entry['file']}: size {entry['size']}, {len(content)} bytes"


def stored_id(content):
    found = MESSAGE_ID.search(content)
    return found.group(1).decode() if found else None


# --- kill -9 in a loop ----------------------------------------------------------------------------------------
ROUNDS = 90  # about 12 s
SENDERS = 4
SIZES = (1_000, 20_000, 200_000)


class Traffic:
    """What the senders sent and what they were told, shared with the killer."""

    def __init__(self):
        self.lock = threading.Lock()
        # message id -> {"recipients", "message", "reply": (code, text) or None when the connection broke,
        # "ended": whether the data was sent up to its final "."}
        self.sent = {}
        self.stop = threading.Event()
        self.in_data = threading.Event()  # a sender holds half a message in the server's DATA reader
        self.acked = threading.Event()  # a sender just got a 250 after DATA
        self.pause_in_data = False  # during-DATA rounds: senders wait there for the kill
        self.killed = threading.Event()
        self.errors = []


def sender(traffic: Traffic, index, seed):
    rng = random.Random(seed)
    count = 0
    client = None
    while not traffic.stop.is_set():
        try:
            if client is None:
                client = SmtpClient(ADDRESS)
            count += 1
            message_id = f"kill-{index}-{count}@client.test"
            recipients = rng.choice(RECIPIENT_SETS)
            message = make_message(message_id, recipients, rng.choice(SIZES))
            with traffic.lock:
                traffic.sent[message_id] = {"recipients": recipients, "message": message, "reply": None,
                                            "ended": False}

            def halfway():
                traffic.in_data.set()
                if traffic.pause_in_data:
                    traffic.killed.wait(0.5)

            reply = client.send_message("sender@client.test", recipients, message, halfway)
            with traffic.lock:
                traffic.sent[message_id]["reply"] = reply
            if reply[0] == 250:
                traffic.acked.set()
        except (OSError, ConnectionLost):
            # The server was killed: this message's fate is unknown (it is not sent again), connect anew.
            if client is not None:
                with traffic.lock:
                    if message_id in traffic.sent:
                        traffic.sent[message_id]["ended"] = client.data_ended
                client.close()
                client = None
            traffic.stop.wait(0.02)
        except Exception as error:  # noqa: BLE001 - reported by the test, never swallowed
            traffic.errors.append(repr(error))
            return
    if client is not None:
        client.close()


def message_files(messages_dir: Path, temporary=False):
    """Every regular file under the store's messages/ folder (resolved), with or without the temporary ones."""
    return {p.resolve() for p in messages_dir.rglob("*")
            if p.is_file() and (temporary or "tmp" not in p.relative_to(messages_dir).parts)}


def test_kill_9_loses_nothing_acknowledged_and_shows_nothing_half_written(mail_server):
    server = mail_server(ADDRESS, start=False)
    server.add_user(ALICE, PASSWORD)
    server.add_user(BOB, PASSWORD)
    server.start()
    traffic = Traffic()
    threads = [threading.Thread(target=sender, args=(traffic, i, 1000 + i), daemon=True) for i in range(SENDERS)]
    rng = random.Random(4)
    modes = {"during DATA": 0, "after 250": 0, "random": 0}
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        for round_number in range(ROUNDS):
            mode = list(modes)[round_number % len(modes)]
            traffic.killed.clear()
            traffic.in_data.clear()
            traffic.acked.clear()
            traffic.pause_in_data = mode == "during DATA"
            if mode == "during DATA":
                assert traffic.in_data.wait(10), f"round {round_number}: no sender reached DATA"
            elif mode == "after 250":
                assert traffic.acked.wait(10), f"round {round_number}: no message acknowledged"
            else:
                time.sleep(rng.uniform(0.0, 0.4))
            server.kill9()
            traffic.killed.set()
            modes[mode] += 1
            server.start()
            assert not traffic.errors, traffic.errors
        # A last stretch without kills: the senders must get 250s again after all that.
        traffic.pause_in_data = False
        traffic.acked.clear()
        assert traffic.acked.wait(10), "no message acknowledged after the last restart"
    finally:
        traffic.stop.set()
        traffic.killed.set()
        for thread in threads:
            thread.join(timeout=30)
    elapsed = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads), "a sender hung"
    assert not traffic.errors, traffic.errors

    sent = traffic.sent
    acked = {m for m, s in sent.items() if s["reply"] and s["reply"][0] == 250}
    refused = {m for m, s in sent.items() if s["reply"] and s["reply"][0] != 250}
    unknown = {m for m, s in sent.items() if s["reply"] is None}
    assert len(acked) > ROUNDS // 3, f"only {len(acked)} messages acknowledged in {elapsed:.1f}s"

    messages_dir = (server.state / "messages").resolve()
    listed_files = set()
    stored = {ALICE: {}, BOB: {}}
    for account in stored:
        for entry in server.messages(account):
            message_id = stored_id(entry["content"])
            assert message_id in sent, f"{account}: a message nobody sent: {entry['content'][:300]!r}"
            stored[account].setdefault(message_id, []).append(entry)
            path = Path(entry["file"]).resolve()
            listed_files.add(path)
            assert "tmp" not in path.relative_to(messages_dir).parts, f"a temporary file is listed: {path}"
            assert_complete(entry, sent[message_id]["message"])

    for message_id, record in sent.items():
        copies = {account: len(stored[account].get(message_id, [])) for account in stored}
        wanted = {account: int(account in record["recipients"]) for account in stored}
        if message_id in acked:
            assert copies == wanted, f"{message_id} got 250 but is stored {copies}, expected {wanted}"
        elif message_id in refused:
            assert not any(copies.values()), f"{message_id} got {record['reply']} but is stored {copies}"
        elif record["ended"]:
            # Whole but no reply: stored for all its recipients (one transaction) or for none, never twice.
            assert copies in (wanted, {a: 0 for a in stored}), f"{message_id} (no reply) is stored {copies}"
        else:
            # Cut off before its final ".": never stored, not even in part.
            assert not any(copies.values()), f"{message_id} was cut off during DATA but is stored {copies}"

    # Files without metadata (killed before the commit: in tmp/ or already renamed) are removed when the
    # store opens (store.h), and every transaction since the last start got its reply: no file is left over.
    orphans = message_files(messages_dir, temporary=True) - listed_files
    assert not orphans, f"message files without metadata: {sorted(map(str, orphans))[:10]}"
    assert elapsed < 120, f"the kill loop took {elapsed:.1f}s"
    ended = {m for m in unknown if sent[m]["ended"]}
    print(f"{ROUNDS} kills ({modes}) in {elapsed:.1f}s: {len(acked)} acknowledged, {len(refused)} refused, "
          f"{len(ended)} sent whole without reply ({sum(m in stored[a] for m in ended for a in stored)} copies "
          f"stored), {len(unknown) - len(ended)} cut off")


# --- full disk ------------------------------------------------------------------------------------------------
DISK_SIZE = "4m"


@contextmanager
def tmpfs(directory: Path, size):
    """A tmpfs of `size` mounted on `directory`; unmounted (lazily if still busy) whatever happens."""
    directory.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(directory)], check=True,
                   timeout=30)
    try:
        yield directory
    finally:
        if subprocess.run(["umount", str(directory)], timeout=30).returncode != 0:
            subprocess.run(["umount", "-l", str(directory)], timeout=30)


def fill(path: Path):
    """Writes to `path` until the file system has no byte left; returns the bytes written."""
    written, chunk = 0, 1 << 20
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        while chunk >= 1:
            try:
                written += os.write(fd, b"\0" * chunk)
            except OSError as error:
                assert error.errno == errno.ENOSPC, error
                chunk //= 2
    finally:
        os.close(fd)
    return written


def send_one(address, message_id, size):
    """A new connection, one message to Alice; (code, text) of the end of DATA (or of the refused step)."""
    client = SmtpClient(address)
    try:
        return client.send_message("sender@client.test", [ALICE], make_message(message_id, [ALICE], size))
    finally:
        client.close()


def assert_disk_full_reply(reply, what):
    code, text = reply
    assert code == 452 and text.startswith("4.3.1"), f"{what}: expected 452 4.3.1, got {code} {text}"


class DiskFullRun:
    """The messages sent to Alice on the small disk and the ones acknowledged, checked against the store."""

    def __init__(self, server):
        self.server = server
        self.sizes = {}  # message id -> size asked of make_message
        self.acked = set()

    def send(self, message_id, size):
        """Sends; a 250 is recorded, anything else must be 452 4.3.1. Returns the reply code."""
        self.sizes[message_id] = size
        reply = send_one(self.server.address, message_id, size)
        if reply[0] == 250:
            self.acked.add(message_id)
        else:
            assert_disk_full_reply(reply, f"{message_id} ({size} bytes)")
        assert self.server.proc.poll() is None, f"the server died:\n{self.server.log_text()}"
        return reply[0]

    def check_store(self):
        """Exactly the acknowledged messages are stored, each complete, and no other file takes space (a
        refused message's file is removed, or the space would never come back while the server runs)."""
        stored = {stored_id(m["content"]): m for m in self.server.messages(ALICE)}
        assert set(stored) == self.acked, f"stored {sorted(stored)}, acknowledged {sorted(self.acked)}"
        for message_id, entry in stored.items():
            assert_complete(entry, make_message(message_id, [ALICE], self.sizes[message_id]))
        leftovers = message_files(self.server.state / "messages", temporary=True) - {
            Path(m["file"]).resolve() for m in stored.values()}
        assert not leftovers, f"files left by refused messages: {sorted(map(str, leftovers))}"


PAGE = 4096  # tmpfs allocates whole pages


def test_full_disk_gives_452_and_recovers(mail_server, tmp_path):
    with tmpfs(tmp_path / "state", DISK_SIZE) as state:
        server = mail_server(ADDRESS, start=False, state=state)
        try:
            server.add_user(ALICE, PASSWORD)
            server.start()
            run = DiskFullRun(server)
            # Room kept back: freed for the test at the edge, and for the recovery. (The WAL takes room too:
            # about 24 kB per commit here, until SQLite's checkpoint at 1000 pages reuses it.)
            edge_reserve, recovery_reserve = state / "edge-reserve", state / "recovery-reserve"
            filler = state / "filler"
            edge_reserve.write_bytes(b"\0" * (1 << 20))
            recovery_reserve.write_bytes(b"\0" * (512 << 10))

            # Messages of 200 kB until the disk is full: each one is 250 and stored, or 452 4.3.1 and not.
            for number in range(40):
                if run.send(f"full-{number}@client.test", 200_000) != 250:
                    break
            assert 3 <= len(run.acked) < 40, f"{len(run.acked)} messages of 200 kB fitted on {DISK_SIZE}"
            run.check_store()

            # Not a byte left: even a tiny message is refused, on every try.
            fill(filler)
            for number in range(3):
                assert run.send(f"tiny-{number}@client.test", 300) == 452
            run.check_store()

            # At the edge, with room to play: 0 to 19 pages left, so that at some point the message file fits
            # but the database's commit (its WAL growing) does not — that failure is 452 4.3.1 too and leaves
            # nothing behind.
            edge_reserve.unlink()
            edge = {}
            for pages in range(20):
                fill(filler)
                assert filler.stat().st_size >= pages * PAGE, "the reserve for the edge test is used up"
                os.truncate(filler, filler.stat().st_size - pages * PAGE)
                edge[pages] = run.send(f"edge-{pages}@client.test", 1_000)
            assert 250 in edge.values() and 452 in edge.values(), edge
            run.check_store()

            # Space is back: the next message gets 250 and is stored, on the same running server.
            filler.unlink()
            recovery_reserve.unlink()
            assert run.send("recovered@client.test", 200_000) == 250
            run.check_store()

            # The database went through all that intact: SQLite's own check, then a restart that still serves.
            server.stop()
            database = sqlite3.connect(state / "mail.db")
            try:
                assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            finally:
                database.close()
            server.start()
            assert run.send("after-restart@client.test", 1_000) == 250
            run.check_store()
        finally:
            server.stop()
