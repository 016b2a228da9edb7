"""Inputs of the serving benchmark (bench/serve_bench.sh): TLSA records for a zone made by bench/gen_zone.py,
and the dnsperf query file that every server gets.

The zone holds host0 .. hostN-1 (A records). One name in ten gets a DANE record for SMTP,
`_25._tcp.host<i> TLSA 3 1 1 <sha-256>` (RFC 7671 §5.1: DANE-EE, SPKI, SHA-256), so TLSA queries there have an
answer while TLSA queries at host<i> itself are NODATA (the name exists, the type does not).

Queries, shuffled, one "NAME TYPE" per line (dnsperf's format):
  40% A at existing names              -> NOERROR with an answer
  20% A at names that do not exist     -> NXDOMAIN with the NSEC3 closest-encloser proof
  20% TLSA at _25._tcp.host<i> (i%10=0) -> NOERROR with an answer
  20% TLSA at host<i>                  -> NOERROR, no data, with the matching NSEC3

Usage: /usr/bin/python3 make_inputs.py tlsa ORIGIN COUNT >>ZONEFILE
       /usr/bin/python3 make_inputs.py queries ORIGIN COUNT QUERIES OUTFILE
"""
import hashlib
import random
import sys

TLSA_EVERY = 10  # one name in this many has a TLSA RRset
SEED = 53        # the same zone and the same queries on every run


def tlsa_owner(i):
    return f"_25._tcp.host{i}"


def write_tlsa(origin, count, out):
    lines = []
    for i in range(0, count, TLSA_EVERY):
        digest = hashlib.sha256(f"{origin} key {i}".encode()).hexdigest()
        lines.append(f"{tlsa_owner(i)} TLSA 3 1 1 {digest}\n")
    out.writelines(lines)


def write_queries(origin, count, total, path):
    rng = random.Random(SEED)
    origin = origin.rstrip(".")
    with_tlsa = count // TLSA_EVERY
    queries = []
    for _ in range(total * 4 // 10):
        queries.append(f"host{rng.randrange(count)}.{origin} A")
    for _ in range(total * 2 // 10):
        # Names that sort among the real ones and names past them, both absent.
        queries.append(f"nx{rng.randrange(1 << 30)}.{origin} A" if rng.random() < 0.5
                       else f"host{count + rng.randrange(count)}.{origin} A")
    for _ in range(total * 2 // 10):
        queries.append(f"{tlsa_owner(rng.randrange(with_tlsa) * TLSA_EVERY)}.{origin} TLSA")
    while len(queries) < total:
        queries.append(f"host{rng.randrange(count)}.{origin} TLSA")
    rng.shuffle(queries)
    with open(path, "w") as out:
        out.write("\n".join(queries) + "\n")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "tlsa":
        write_tlsa(sys.argv[2], int(sys.argv[3]), sys.stdout)
    elif len(sys.argv) == 6 and sys.argv[1] == "queries":
        write_queries(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
