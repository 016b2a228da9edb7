"""Runs the serving benchmark (bench/serve_bench.sh): each server in turn, in interleaved rounds, on its own
loopback address, serving the same signed zone. Per run: cold start (exec to the first correct answer),
dnsperf's queries per second and average latency, then RSS and PSS summed over the server's processes. Prints
the medians and the ratios danemail/peer, and checks once that danemail answers a sample of the queries as
NSD and Knot do (rcode, answer section; authority section of negative answers), so that no figure is won by
answering wrongly.

Usage: /usr/bin/python3 drive.py SPEC.json   (written by serve_bench.sh; see there for its fields)
"""
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from process_stats import cpu_seconds, memory_kib  # noqa: E402

POLL_INTERVAL = 0.010   # seconds between cold-start probes
START_TIMEOUT = 180.0   # a server that has not answered by then has failed
STOP_TIMEOUT = 15.0
CHECK_SAMPLE = 2000     # queries of the query file compared across servers
EDNS_PAYLOAD = 1232


def log(text):
    print(text, file=sys.stderr, flush=True)


def probe_wire(name, rdtype):
    query = dns.message.make_query(name, rdtype, want_dnssec=True, payload=EDNS_PAYLOAD)
    query.id = 5353
    return query.to_wire()


def wait_first_answer(process, address, name, started):
    """Seconds from `started` until `address` answers `name` A with NOERROR and an A record."""
    wire = probe_wire(name, "A")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(POLL_INTERVAL)
        while time.monotonic() - started < START_TIMEOUT:
            if process.poll() is not None:
                raise RuntimeError(f"exited with status {process.returncode} before answering")
            sent = time.monotonic()
            try:
                sock.sendto(wire, (address, 53))
                while True:
                    data = sock.recv(65535)
                    reply = dns.message.from_wire(data)
                    if reply.id != 5353:
                        continue
                    if reply.rcode() == dns.rcode.NOERROR and any(
                            r.rdtype == dns.rdatatype.A for r in reply.answer):
                        return time.monotonic() - started
                    break  # SERVFAIL or REFUSED while loading: ask again
            except (socket.timeout, ConnectionRefusedError):
                pass
            rest = POLL_INTERVAL - (time.monotonic() - sent)
            if rest > 0:
                time.sleep(rest)
    raise RuntimeError(f"no answer within {START_TIMEOUT:.0f} s")


def stop(process):
    if process.poll() is not None:
        return
    # The server's own process group (start_new_session): NSD's children go with it.
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    # Children that outlive the parent for a moment (NSD's servers) must be gone before the next start.
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_dnsperf(spec, server):
    command = ["dnsperf", "-s", server["address"], "-d", spec["queries"], "-l", str(spec["seconds"]),
               "-c", "4", "-T", "1", "-q", "64", "-D"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=spec["seconds"] + 60)
    if out.returncode != 0:
        raise RuntimeError("dnsperf failed: " + out.stderr + out.stdout)
    text = out.stdout

    def field(pattern, cast=float):
        match = re.search(pattern, text)
        if not match:
            raise RuntimeError(f"dnsperf output without /{pattern}/:\n{text}")
        return cast(match.group(1))

    return {
        "qps": field(r"Queries per second:\s+([\d.]+)"),
        "latency_ms": 1000 * field(r"Average Latency \(s\):\s+([\d.]+)"),
        "lost": field(r"Queries lost:\s+(\d+)", int),
        "sent": field(r"Queries sent:\s+(\d+)", int),
        "completed": field(r"Queries completed:\s+(\d+)", int),
        "response_bytes": field(r"Average packet size:.*response\s+(\d+)", int),
        "rcodes": field(r"Response codes:\s+(.*)", str),
    }


def sample_queries(spec):
    with open(spec["queries"]) as f:
        lines = [line.split() for line in f if line.strip()]
    step = max(1, len(lines) // CHECK_SAMPLE)
    return lines[::step][:CHECK_SAMPLE]


def canonical_section(section):
    """A section as a set of RRsets, each (owner, type, covered type, TTL, sorted RDATA texts)."""
    out = set()
    for rrset in section:
        out.add((rrset.name.to_text().lower(), rrset.rdtype, rrset.covers, rrset.ttl,
                 tuple(sorted(rd.to_text().lower() for rd in rrset))))
    return frozenset(out)


def collect_answers(address, queries):
    answers = []
    for name, rdtype in queries:
        query = dns.message.make_query(name, rdtype, want_dnssec=True, payload=EDNS_PAYLOAD)
        reply = dns.query.udp(query, address, timeout=2.0, ignore_unexpected=True)
        if reply.flags & dns.flags.TC:
            reply = dns.query.tcp(query, address, timeout=5.0)
        rcode = reply.rcode()
        negative = rcode == dns.rcode.NXDOMAIN or not reply.answer
        answers.append((rcode, canonical_section(reply.answer),
                        canonical_section(reply.authority) if negative else None))
    return answers


def run_once(spec, server, check):
    log(f"   {server['name']}: starting")
    started = time.monotonic()
    process = subprocess.Popen(server["argv"], cwd=server.get("cwd"), stdin=subprocess.DEVNULL,
                               stdout=open(server["log"], "ab"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        cold = wait_first_answer(process, server["address"], spec["probe"], started)
        answers = collect_answers(server["address"], check) if check else None
        cpu_before = cpu_seconds(process.pid)
        perf = run_dnsperf(spec, server)
        perf["cpu_us"] = 1e6 * (cpu_seconds(process.pid) - cpu_before) / max(1, perf["completed"])
        if process.poll() is not None:
            raise RuntimeError(f"exited with status {process.returncode} during the run")
        rss, pss = memory_kib(process.pid)
    except Exception as error:
        sys.exit(f"serve_bench: {server['name']}: {error} (log: {server['log']})")
    finally:  # also on SystemExit from an interrupt
        stop(process)
    perf.update(cold_s=cold, rss_mib=rss / 1024, pss_mib=pss / 1024)
    log(f"   {server['name']}: {perf['qps']:.0f} qps, {perf['latency_ms']:.3f} ms, "
        f"{perf['cpu_us']:.1f} CPU µs/query, RSS {perf['rss_mib']:.1f} MiB, PSS {perf['pss_mib']:.1f} MiB, "
        f"cold start {cold:.2f} s, "
        f"lost {perf['lost']}, {perf['response_bytes']} B/response, {perf['rcodes']}")
    return perf, answers


def compare(queries, name, ours, reference, reference_name):
    """Prints and returns the number of queries whose rcode or answer differ."""
    wrong = 0
    authority_differs = 0
    for (qname, qtype), mine, theirs in zip(queries, ours, reference):
        if mine[0] != theirs[0] or mine[1] != theirs[1]:
            wrong += 1
            if wrong <= 5:
                log(f"   differs: {qname} {qtype}: {name} {dns.rcode.to_text(mine[0])} {sorted(mine[1])} / "
                    f"{reference_name} {dns.rcode.to_text(theirs[0])} {sorted(theirs[1])}")
        elif mine[2] != theirs[2]:
            authority_differs += 1
            if authority_differs <= 3:
                log(f"   authority differs: {qname} {qtype}: {name} {sorted(mine[2])} / "
                    f"{reference_name} {sorted(theirs[2])}")
    print(f"   {name} vs {reference_name}: {len(queries)} queries, {wrong} with another rcode or answer, "
          f"{authority_differs} negative answers with another authority section (SOA, NSEC3 proof)")
    return wrong


def median(values):
    return statistics.median(values)


def interrupted(signum, _frame):
    raise SystemExit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    servers = spec["servers"]
    results = {s["name"]: [] for s in servers}
    queries = sample_queries(spec)
    answers = {}
    for round_number in range(1, spec["rounds"] + 1):
        log(f"-- round {round_number} of {spec['rounds']}")
        for server in servers:
            perf, sampled = run_once(spec, server, queries if round_number == 1 else None)
            results[server["name"]].append(perf)
            if sampled is not None:
                answers[server["name"]] = sampled

    ours, peers = servers[0]["name"], [s["name"] for s in servers[1:]]
    print(f"\n== Authoritative serving: {spec['zone_note']}")
    print(f"   dnsperf -c 4 -T 1 -q 64 -D -l {spec['seconds']}, {spec['query_note']}; "
          f"{spec['threads']} server threads each; median of {spec['rounds']} interleaved rounds")
    print("   CPU µs/query: the server's CPU time (all its processes and threads) over the queries it answered;")
    print("   it moves less than qps does when other work shares the cores.")
    print(f"   {'server':<28} {'qps':>9} {'avg ms':>8} {'CPU µs/q':>8} {'RSS MiB':>8} {'PSS MiB':>8} "
          f"{'cold s':>7} {'B/resp':>6}")
    medians = {}
    for server in servers:
        runs = results[server["name"]]
        m = {key: median([r[key] for r in runs])
             for key in ("qps", "latency_ms", "cpu_us", "rss_mib", "pss_mib", "cold_s", "response_bytes")}
        medians[server["name"]] = m
        print(f"   {server['label']:<28} {m['qps']:9.0f} {m['latency_ms']:8.3f} {m['cpu_us']:8.2f} "
              f"{m['rss_mib']:8.1f} {m['pss_mib']:8.1f} {m['cold_s']:7.2f} {m['response_bytes']:6.0f}")
    for peer in peers:
        a, b = medians[ours], medians[peer]
        print(f"   {ours + '/' + peer:<28} {a['qps'] / b['qps']:8.2f}x {a['latency_ms'] / b['latency_ms']:7.2f}x "
              f"{a['cpu_us'] / b['cpu_us']:7.2f}x {a['rss_mib'] / b['rss_mib']:7.2f}x "
              f"{a['pss_mib'] / b['pss_mib']:7.2f}x {a['cold_s'] / b['cold_s']:6.2f}x")
    a = medians[ours]
    targets = [
        ("qps above NSD and Knot", all(a["qps"] > medians[p]["qps"] for p in peers)),
        ("PSS below Knot", a["pss_mib"] < medians["knot"]["pss_mib"]),
        ("cold start faster than Knot", a["cold_s"] < medians["knot"]["cold_s"]),
    ]
    print("   targets (issue 3): " + ", ".join(f"{t}: {'met' if ok else 'MISSED'}" for t, ok in targets))
    cheaper = all(a["cpu_us"] < medians[p]["cpu_us"] for p in peers)
    print(f"   CPU per query below NSD's and Knot's: {'yes' if cheaper else 'no'} (what qps shows when the "
          f"cores are not shared)")

    print(f"-- correctness: a sample of the query file, DO set, compared with NSD")
    wrong = compare(queries, ours, answers[ours], answers["nsd"], "nsd")
    wrong_knot = compare(queries, "knot", answers["knot"], answers["nsd"], "nsd")
    if wrong:
        sys.exit(f"serve_bench: danemail answered {wrong} sample queries unlike NSD")
    if wrong_knot:
        log("serve_bench: Knot and NSD disagree too: the sample may be ambiguous")


if __name__ == "__main__":
    main()
