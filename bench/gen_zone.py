"""Writes a benchmark zone: SOA, NS and N A records (host0 .. hostN-1) under the given origin.

Usage: /usr/bin/python3 bench/gen_zone.py ORIGIN COUNT OUTFILE
"""
import sys


def main():
    origin, count, path = sys.argv[1].rstrip(".") + ".", int(sys.argv[2]), sys.argv[3]
    with open(path, "w") as out:
        out.write(f"$ORIGIN {origin}\n$TTL 3600\n")
        out.write("@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n")
        lines = []
        for i in range(count):
            lines.append(f"host{i} A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
            if len(lines) == 10000:
                out.writelines(lines)
                lines.clear()
        out.writelines(lines)


if __name__ == "__main__":
    main()
