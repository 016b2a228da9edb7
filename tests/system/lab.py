"""The lab (`danemail lab up|down|status --dir D`) for system tests: a module-scoped fixture that brings the
lab up in a temporary directory and always takes it down again, and helpers that ask its unbound with dig.

Use it in a test module with `from lab import lab` (the fixture) and the helpers below. The addresses are
fixed (see src/app/lab_layout.h), so only one lab runs at a time.
"""
import os
import re
import signal
import socket
from pathlib import Path

import pytest

from conftest import require_tool, run

RESOLVER = "127.1.0.53"
ZONE_SERVERS = {".": "127.1.0.1", "test.": "127.1.0.2", "alpha.test.": "127.1.1.1", "beta.test.": "127.1.2.1",
                "plain.test.": "127.1.3.1", "broken.test.": "127.1.4.1"}
MAIL_HOSTS = {"alpha.test": "127.1.1.25", "beta.test": "127.1.2.25", "plain.test": "127.1.3.25",
              "broken.test": "127.1.4.25"}
ADDRESSES = list(ZONE_SERVERS.values()) + [RESOLVER]


class Lab:
    def __init__(self, danemail, directory: Path):
        self.danemail = danemail
        self.dir = directory

    def up(self, *extra, check=True):
        return run([self.danemail, "lab", "up", "--dir", self.dir, *extra], check=check, timeout=120)

    def down(self, check=True):
        return run([self.danemail, "lab", "down", "--dir", self.dir], check=check, timeout=120)

    def status(self):
        return run([self.danemail, "lab", "status", "--dir", self.dir], check=False, timeout=60)


class Answer:
    """What dig printed: status, header flags, answer lines."""

    def __init__(self, text):
        self.text = text
        header = re.search(r"status: (\w+)", text)
        self.status = header.group(1) if header else None
        flags = re.search(r";; flags: ([a-z ]*);", text)
        self.flags = set(flags.group(1).split()) if flags else set()
        section = re.search(r";; ANSWER SECTION:\n(.*?)(?:\n\n|\Z)", text, re.S)
        self.answers = [line.split() for line in section.group(1).splitlines()] if section else []

    @property
    def ad(self):
        return "ad" in self.flags

    def data(self, rrtype):
        """The RDATA fields of the answer records of `rrtype`."""
        return [fields[4:] for fields in self.answers if len(fields) > 4 and fields[3] == rrtype]


def dig(name, rrtype, *options, server=RESOLVER):
    """Asks the lab's unbound (or `server`) with DO set; retries once on a timeout."""
    tool = require_tool("dig")
    proc = run([tool, f"@{server}", "+dnssec", "+time=5", "+tries=2", *options, name, rrtype], check=False,
               timeout=60)
    return Answer(proc.stdout)


def listening(address, port=53):
    """True when something holds UDP or TCP `address`:`port` (we run as root, so binding tells)."""
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
            try:
                s.bind((address, port))
            except OSError:
                return True
    return False


def lab_processes(directory: Path):
    """Pids of live processes whose command line names the lab directory (zombies do not count)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(directory) in cmdline and state not in ("Z", "X") and " lab " not in cmdline:
            pids.append(int(entry.name))
    return pids


@pytest.fixture(scope="module")
def lab(danemail, tmp_path_factory):
    """The lab, up in a fresh directory for the module; down (and checked to be down) at the end."""
    require_tool("unbound")
    directory = tmp_path_factory.mktemp("lab") / "lab"
    the_lab = Lab(danemail, directory)
    try:
        the_lab.up()
        yield the_lab
    finally:
        the_lab.down(check=False)
        left = lab_processes(directory)
        for pid in left:  # never leave a daemon behind, even when `lab down` failed
            os.kill(pid, signal.SIGKILL)
        if left:
            pytest.fail(f"`danemail lab down` left processes running: {left}")
