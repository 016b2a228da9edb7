"""Runs the SMTP benchmark (bench/smtp_bench.sh): danemail and Postfix in interleaved rounds, each started
fresh (empty mailbox, empty queue) on its own loopback address. Per round and server:
  1. smtp-source -c -s 20 -m N -l 10240: accepted msg/s (N / wall time of smtp-source), delivered msg/s (N /
     time until N messages are in the mailbox: Postfix's Maildir; for danemail, whose 250 means "stored in
     the INBOX", the same as accepted, and the count is checked with `danemail mailbox list`), the server's
     CPU time per message, and its peak PSS while the 20 sessions run;
  2. smtp_tls_load -c 20: one connection, STARTTLS and full TLS 1.3 handshake per message: msg/s, CPU/message;
  3. PSS with 20 idle sessions held open, and for danemail with 1,000.
Prints the medians as a table with the ratios. CPU and memory come from /proc, summed over the server's
process tree; CPU adds the root's reaped children (Postfix's smtpd and cleanup processes come and go).

Usage: /usr/bin/python3 drive.py SPEC.json   (written by smtp_bench.sh; see there for its fields)
"""
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from hold_connections import held_sessions  # noqa: E402
from process_stats import cpu_seconds, memory_kib, process_tree, stat_fields  # noqa: E402

START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
DELIVERY_POLL = 0.1       # seconds between Maildir counts while Postfix delivers
MEMORY_SAMPLE = 1.0       # seconds between PSS samples during the smtp-source run
MEMORY_FIRST_SAMPLE = 0.2
IDLE_SETTLE = 1.0         # seconds between opening idle sessions and reading memory
STEP_CAP = 600.0          # no single load step may take longer


def log(text):
    print(text, file=sys.stderr, flush=True)


class Budget:
    """The bound on the whole run: every wait and subprocess gets at most what is left."""

    def __init__(self, seconds):
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds

    def left(self, cap=STEP_CAP):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise RuntimeError(f"the benchmark ran out of its {self.seconds:.0f} s budget (SMTP_BENCH_MAX_SECONDS)")
        return min(cap, remaining)


# --- /proc ------------------------------------------------------------------------------------------------

def pss_mib(root):
    """PSS summed over the tree under `root`, in MiB."""
    return memory_kib(root)[1] / 1024


class PeakPss:
    """Samples PSS of a tree in a thread while the `with` block runs; `.peak` afterwards."""

    def __init__(self, root_pid):
        self.root, self.peak, self.stopping = root_pid, 0.0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        interval = MEMORY_FIRST_SAMPLE  # a short run still gets a sample
        while not self.stopping.wait(interval):
            self.peak = max(self.peak, pss_mib(self.root))
            interval = MEMORY_SAMPLE

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join()


def greeted(address, port, timeout=2.0):
    """True when address:port answers with a 220 greeting."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            return sock.recv(512).startswith(b"220")
    except OSError:
        return False


def port_in_use(address, port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((address, port)) == 0


def wait_gone(pids, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if os.path.exists(f"/proc/{pid}") and not zombie(pid)]
        if not alive:
            return []
        time.sleep(0.05)
    return alive


def zombie(pid):
    try:
        return stat_fields(pid)[0] == "Z"
    except (OSError, IndexError):
        return False


# --- the servers ------------------------------------------------------------------------------------------

class Danemail:
    name = "danemail"

    def __init__(self, spec):
        self.spec, self.process = spec, None
        self.address, self.port, self.tls_port = spec["address"], spec["port"], spec["port"]

    def prepare(self):
        """A fresh state directory: the domain and the account, no messages."""
        shutil.rmtree(self.spec["state"], ignore_errors=True)
        shutil.copytree(self.spec["state_template"], self.spec["state"], symlinks=True)

    def start(self):
        if port_in_use(self.address, self.port):
            raise RuntimeError(f"{self.address}:{self.port} is already in use")
        self.process = subprocess.Popen([self.spec["binary"], "serve", "-c", self.spec["config"]],
                                        stdin=subprocess.DEVNULL, stdout=open(self.spec["log"], "ab"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while not greeted(self.address, self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"danemail serve exited with status {self.process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"danemail serve gave no greeting within {START_TIMEOUT:.0f} s")
            time.sleep(0.05)

    def root(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"danemail serve exited with status {self.process.returncode}")
        return self.process.pid

    def stop(self):
        if not self.process or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass

    def delivered(self):
        """Messages in u1's INBOX, from the store (as the operator would ask)."""
        out = subprocess.run([self.spec["binary"], "mailbox", "list", self.spec["recipient"], "-c",
                              self.spec["config"]], capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"danemail mailbox list failed: {out.stderr.strip()}")
        return sum(1 for line in out.stdout.splitlines() if line.strip())

    def wait_delivered(self, expected, budget, accepted_at):
        """250 after DATA means the message is in the INBOX: delivery is acceptance. Checks the count."""
        count = self.delivered()
        if count != expected:
            raise RuntimeError(f"the INBOX holds {count} messages, {expected} were accepted")
        return accepted_at


class Postfix:
    name = "postfix"

    def __init__(self, spec):
        self.spec = spec
        self.address, self.port, self.tls_port = spec["address"], spec["port"], spec["tls_port"]
        self.config_dir = spec["config_dir"]
        self.master = None

    def postfix(self, *args, check=True):
        out = subprocess.run(["postfix", "-c", self.config_dir, *args], capture_output=True, text=True,
                             timeout=60)
        if check and out.returncode != 0:
            raise RuntimeError(f"postfix {' '.join(args)}: {out.stdout}{out.stderr}")
        return out

    def prepare(self):
        """Empty mailboxes and an empty queue (both are left over only by an interrupted run)."""
        shutil.rmtree(os.path.join(self.spec["mail_base"], "bench.test"), ignore_errors=True)
        subprocess.run(["postsuper", "-c", self.config_dir, "-d", "ALL"], capture_output=True, timeout=60)

    def start(self):
        for port in (self.port, self.tls_port):
            if port_in_use(self.address, port):
                raise RuntimeError(f"{self.address}:{port} is already in use")
        self.postfix("start")
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with open(self.spec["pid_file"]) as f:
                    self.master = int(f.read().strip())
                if greeted(self.address, self.port) and greeted(self.address, self.tls_port):
                    return
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Postfix gave no greeting within {START_TIMEOUT:.0f} s")
            time.sleep(0.05)

    def root(self):
        if self.master is None or not os.path.exists(f"/proc/{self.master}"):
            raise RuntimeError("the Postfix master is not running")
        return self.master

    def stop(self):
        if self.master is None:
            return
        pids = process_tree(self.master) if os.path.exists(f"/proc/{self.master}") else []
        self.postfix("stop", check=False)
        left = wait_gone(pids, STOP_TIMEOUT)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_gone(left, STOP_TIMEOUT)
        self.master = None

    def delivered(self):
        try:
            return len(os.listdir(self.spec["maildir_new"]))
        except FileNotFoundError:
            return 0

    def wait_delivered(self, expected, budget, accepted_at):
        """The time when `expected` messages were in the Maildir (virtual(8) links each into new/)."""
        deadline = time.monotonic() + budget.left()
        while (count := self.delivered()) < expected:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {count} of {expected} messages delivered in time")
            time.sleep(DELIVERY_POLL)
        if count != expected:
            raise RuntimeError(f"the Maildir holds {count} messages, {expected} were sent")
        return time.monotonic()


# --- one round --------------------------------------------------------------------------------------------

def run_smtp_source(spec, server, budget):
    command = ["smtp-source", "-c", "-s", str(spec["sessions"]), "-m", str(spec["messages"]),
               "-l", str(spec["size"]), "-f", spec["from"], "-t", spec["to"], f"{server.address}:{server.port}"]
    out = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         timeout=budget.left())
    if out.returncode != 0:
        raise RuntimeError(f"smtp-source failed (status {out.returncode}): {out.stderr.strip()[-500:]}")


def run_tls_load(spec, server, budget):
    seconds = int(budget.left())
    command = [spec["tls_load"], "-c", str(spec["sessions"]), "-m", str(spec["tls_messages"]),
               "-l", str(spec["size"]), "-f", spec["from"], "-t", spec["to"], "-d", str(max(1, seconds - 30)),
               f"{server.address}:{server.tls_port}"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds)
    fields = dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)
    if out.returncode != 0 or "messages/s" not in fields:
        raise RuntimeError(f"smtp_tls_load failed (status {out.returncode}): {out.stdout}{out.stderr}"[-800:])
    return int(fields["sent"]), float(fields["messages/s"])


def idle_pss(server, count):
    with held_sessions(server.address, server.port, count):
        time.sleep(IDLE_SETTLE)
        return pss_mib(server.root())


def run_round(spec, server, budget):
    result = {}
    server.prepare()
    log(f"   {server.name}: starting")
    server.start()
    try:
        messages = spec["messages"]
        cpu_before = cpu_seconds(server.root())
        started = time.monotonic()
        with PeakPss(server.root()) as memory:
            run_smtp_source(spec, server, budget)
        accepted_at = time.monotonic()
        delivered_at = server.wait_delivered(messages, budget, accepted_at)
        result["cpu_ms"] = 1000 * (cpu_seconds(server.root()) - cpu_before) / messages
        result["accepted"] = messages / (accepted_at - started)
        result["delivered"] = messages / (delivered_at - started)
        result["pss_load"] = memory.peak

        cpu_before = cpu_seconds(server.root())
        sent, rate = run_tls_load(spec, server, budget)
        server.wait_delivered(messages + sent, budget, time.monotonic())
        result["tls_cpu_ms"] = 1000 * (cpu_seconds(server.root()) - cpu_before) / max(1, sent)
        result["tls"] = rate

        result["pss_idle"] = idle_pss(server, spec["sessions"])
        if server.name == "danemail":
            result["pss_idle_many"] = idle_pss(server, spec["idle_many"])
    finally:
        server.stop()
    log(f"   {server.name}: accepted {result['accepted']:.0f} msg/s, delivered {result['delivered']:.0f} msg/s, "
        f"{result['cpu_ms']:.2f} CPU ms/msg, STARTTLS {result['tls']:.0f} msg/s ({result['tls_cpu_ms']:.2f} CPU "
        f"ms/msg), PSS {result['pss_load']:.1f} MiB under load, {result['pss_idle']:.1f} MiB with "
        f"{spec['sessions']} idle" + (f", {result['pss_idle_many']:.1f} MiB with {spec['idle_many']} idle"
                                     if "pss_idle_many" in result else ""))
    return result


# --- the report -------------------------------------------------------------------------------------------

ROWS = [  # key, label, format, ratio direction ("d/p": danemail/postfix, higher is better for danemail)
    ("accepted", "accepted msg/s", "{:.0f}", "d/p"),
    ("delivered", "delivered msg/s", "{:.0f}", "d/p"),
    ("cpu_ms", "CPU ms/message", "{:.2f}", "p/d"),
    ("tls", "STARTTLS msg/s (full TLS 1.3 handshake)", "{:.0f}", "d/p"),
    ("tls_cpu_ms", "CPU ms/message, STARTTLS", "{:.2f}", "p/d"),
    ("pss_load", "PSS MiB, 20 sessions under load (peak)", "{:.1f}", "p/d"),
    ("pss_idle", "PSS MiB, 20 idle sessions", "{:.1f}", "p/d"),
    ("pss_idle_many", "PSS MiB, {many} idle sessions", "{:.1f}", "p/d"),
]


def report(spec, results):
    medians = {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
               for name, runs in results.items()}
    ours, peer = medians.get("danemail", {}), medians.get("postfix", {})
    rounds = max(len(runs) for runs in results.values())
    print(f"\n== SMTP receiving: danemail vs Postfix {spec['postfix_version']} (virtual Maildir delivery), "
          f"median of {rounds} interleaved rounds")
    print(f"   smtp-source -c -s {spec['sessions']} -m {spec['messages']} -l {spec['size']}; "
          f"smtp_tls_load -c {spec['sessions']} -m {spec['tls_messages']} -l {spec['size']}; {os.cpu_count()} cores "
          f"shared with the load generators")
    print("   ratio: danemail/postfix for rates, postfix/danemail for CPU and memory: above 1 favours danemail")
    width = 42
    print(f"   {'metric':<{width}} {'danemail':>10} {'postfix':>10} {'ratio':>8}")
    for key, label, form, direction in ROWS:
        label = label.format(many=spec["idle_many"])
        mine, theirs = ours.get(key), peer.get(key)
        if mine is None and theirs is None:
            continue
        mine_text = form.format(mine) if mine is not None else "-"
        theirs_text = form.format(theirs) if theirs is not None else "-"
        ratio_text = "-"
        if mine and theirs:
            ratio_text = f"{(mine / theirs if direction == 'd/p' else theirs / mine):.2f}x"
        print(f"   {label:<{width}} {mine_text:>10} {theirs_text:>10} {ratio_text:>8}")
    if ours and peer:
        targets = [("accepted msg/s >= 2x Postfix", ours["accepted"] >= 2 * peer["accepted"]),
                   ("STARTTLS msg/s >= 2x Postfix", ours["tls"] >= 2 * peer["tls"])]
        print("   targets (issue 4): " + ", ".join(f"{t}: {'met' if ok else 'MISSED'}" for t, ok in targets))
    print("   anchors on this kind of machine (peer-configs.md): Postfix ~730 msg/s accepted, ~2.2 CPU ms/msg, "
          "~375 msg/s STARTTLS, ~70 MiB PSS at 20 sessions")


def interrupted(signum, _frame):
    raise SystemExit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    budget = Budget(spec["max_seconds"])
    servers = [Danemail(dict(spec["danemail"], recipient=spec["to"])), Postfix(spec["postfix"])]
    servers = [server for server in servers if server.name in spec["servers"]]
    results = {server.name: [] for server in servers}
    for round_number in range(1, spec["rounds"] + 1):
        log(f"-- round {round_number} of {spec['rounds']}")
        order = servers if round_number % 2 else list(reversed(servers))  # neither always runs first
        for server in order:
            try:
                results[server.name].append(run_round(spec, server, budget))
            except SystemExit as stop:  # a signal: run_round has stopped the server
                sys.exit(f"smtp_bench: interrupted during {server.name} (status {stop.code})")
            except Exception as error:
                server.stop()
                log_file = server.spec.get("log", "")
                sys.exit(f"smtp_bench: {server.name}: {error}" + (f" (log: {log_file})" if log_file else ""))
    report(spec, results)


if __name__ == "__main__":
    main()
