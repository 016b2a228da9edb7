"""What a benchmark measures of a server's processes, from /proc: the process tree under a pid, its CPU time
and its memory (RSS, PSS). Shared by serve_bench/drive.py and smtp_bench/drive.py. Linux only."""
import os


def stat_fields(pid):
    """The fields of /proc/PID/stat after the command name: field 3 of stat(5) is fields[0]."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def process_tree(root):
    """The pid `root` and all its descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            children.setdefault(int(stat_fields(entry)[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    return pids


def cpu_seconds(root):
    """User + system CPU seconds of the live tree under `root` (all threads) plus the children `root` has
    reaped. A child alive at one reading and reaped by the next moves from the first sum to the second, so
    differences between two readings count its work once (Postfix's smtpd and cleanup come and go)."""
    ticks = 0
    for pid in process_tree(root):
        try:
            fields = stat_fields(pid)
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (stat fields 14, 15)
            if pid == root:
                ticks += int(fields[13]) + int(fields[14])  # cutime, cstime (16, 17): reaped children
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def memory_kib(root):
    """(RSS, PSS) in KiB summed over the tree under `root`, from /proc/PID/smaps_rollup."""
    rss = pss = 0
    for pid in process_tree(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss
