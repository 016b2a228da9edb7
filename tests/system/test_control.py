"""`danemail dns ...` as a client of the control socket (DESIGN.md "Process and runtime").

Without a running server: every subcommand exits 3 and says that no server listens on the socket and that
`danemail serve` should be running (also when a dead server left its socket file behind); a config error
exits 2 naming file:line. Against a stand-in server (a Python unix socket): the request line sent for each
subcommand, exit 0 for an `ok` reply with its text on stdout, exit 1 for an `error` reply.
"""
import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pytest

from conftest import run

ZONE_TEXT = """$ORIGIN example.test.
$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
"""

SUBCOMMANDS = [
    (["reload"], "reload"),
    (["status"], "status"),
    (["keys", "example.test"], "keys example.test"),
    (["ds-seen", "example.test"], "ds-seen example.test"),
    (["sign-now", "example.test"], "sign example.test"),
]


@pytest.fixture
def socket_dir():
    """A short folder under /tmp for the control socket (unix socket paths are limited to 107 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="danemail-ctl-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def write_config(directory: Path, control: Path, extra: str = "") -> Path:
    (directory / "example.test.zone").write_text(ZONE_TEXT)
    config = directory / "danemail.toml"
    config.write_text(f"""[dns]
listen = ["127.0.0.1:5353"]
state = "state"
control = "{control}"
{extra}
[[dns.zone]]
name = "example.test"
file = "example.test.zone"
""")
    return config


@pytest.mark.parametrize("args,request_line", SUBCOMMANDS)
def test_no_server_exits_3(danemail, tmp_path, socket_dir, args, request_line):
    control = socket_dir / "control.sock"
    config = write_config(tmp_path, control)
    proc = run([danemail, "dns", *args, "-c", config], check=False, timeout=30)
    assert proc.returncode == 3, proc.stderr
    assert f"no danemail server is listening on {control}" in proc.stderr
    assert "`danemail serve` running?" in proc.stderr
    assert proc.stdout == ""


def test_stale_socket_file_exits_3(danemail, tmp_path, socket_dir):
    control = socket_dir / "control.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(control))
    dead.close()  # the file stays, nobody listens
    config = write_config(tmp_path, control)
    proc = run([danemail, "dns", "reload", "-c", config], check=False, timeout=30)
    assert proc.returncode == 3, proc.stderr
    assert "no danemail server is listening" in proc.stderr


def test_config_error_exits_2_naming_file_and_line(danemail, tmp_path, socket_dir):
    config = write_config(tmp_path, socket_dir / "control.sock", extra="workers = \"many\"")
    proc = run([danemail, "dns", "reload", "-c", config], check=False, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert f"{config}:5" in proc.stderr, proc.stderr


def test_missing_config_exits_2(danemail, tmp_path):
    proc = run([danemail, "dns", "status", "-c", tmp_path / "nowhere.toml"], check=False, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert "nowhere.toml" in proc.stderr


class StandInServer:
    """Accepts one client at a time on a unix socket, records its request line, answers `reply`."""

    def __init__(self, path: Path):
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(1)
        self.listener.settimeout(30)
        self.requests = []

    def answer_once(self, reply: bytes):
        def serve():
            client, _ = self.listener.accept()
            with client:
                client.settimeout(10)
                data = b""
                while not data.endswith(b"\n"):
                    chunk = client.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                self.requests.append(data)
                client.sendall(reply)

        thread = threading.Thread(target=serve)
        thread.start()
        return thread


@pytest.mark.parametrize("args,request_line", SUBCOMMANDS)
def test_request_lines_and_ok_reply(danemail, tmp_path, socket_dir, args, request_line):
    control = socket_dir / "control.sock"
    config = write_config(tmp_path, control)
    server = StandInServer(control)
    thread = server.answer_once(b"line one\nline two\nok\n")
    proc = run([danemail, "dns", *args, "-c", config], check=False, timeout=30)
    thread.join()
    assert server.requests == [request_line.encode() + b"\n"]
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "line one\nline two\n"


def test_error_reply_exits_1(danemail, tmp_path, socket_dir):
    control = socket_dir / "control.sock"
    config = write_config(tmp_path, control)
    server = StandInServer(control)
    thread = server.answer_once(b"no rollover is waiting for a DS\nerror\n")
    proc = run([danemail, "dns", "ds-seen", "example.test", "-c", config], check=False, timeout=30)
    thread.join()
    assert proc.returncode == 1, proc.stderr
    assert "no rollover is waiting for a DS" in proc.stderr


def test_truncated_reply_is_an_error(danemail, tmp_path, socket_dir):
    control = socket_dir / "control.sock"
    config = write_config(tmp_path, control)
    server = StandInServer(control)
    thread = server.answer_once(b"half a repl")
    proc = run([danemail, "dns", "status", "-c", config], check=False, timeout=30)
    thread.join()
    assert proc.returncode == 1, proc.stderr
    assert "without a complete reply" in proc.stderr
