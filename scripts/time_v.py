"""Reads the report of `/usr/bin/time -v -o FILE` for the benchmark scripts (imported by their
Python parts; the scripts run from the repository root)."""


def read_time_v(path):
    """(peak RSS in KiB or None when absent, CPU seconds user + system, wall seconds)."""
    rss_kib, cpu_s, wall_s = None, 0.0, 0.0
    for line in open(path):
        if "Maximum resident set size" in line:
            rss_kib = int(line.rsplit(":", 1)[1])
        elif "User time (seconds)" in line or "System time (seconds)" in line:
            cpu_s += float(line.rsplit(":", 1)[1])
        elif "Elapsed (wall clock)" in line:
            t = line.rsplit(": ", 1)[1].strip().split(":")
            wall_s = sum(float(x) * 60 ** i for i, x in enumerate(reversed(t)))
    return rss_kib, cpu_s, wall_s
