"""bench/load.py's tables: locust's figures per request type, and where the CPU went.

The machine is shared (other engineers' tests and benchmarks run on the same two cores), so
each phase also says how busy the whole machine was and how much of that was gunicorn, its
PostgreSQL backends and locust itself.
"""

import csv
import os
import resource
import threading
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def machine() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


def reaped_children() -> float:
    """CPU seconds of this process's children that have exited (locust, once waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def database_backends(database: str) -> dict[int, float]:
    """PostgreSQL's backends serving ``database`` (by their process title), with their CPU."""
    found = {}
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            title = cmdline.read_bytes().decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            pid = int(cmdline.parent.name)
            found[pid] = cpu_seconds(pid)
    return found


@dataclass
class Usage:
    """CPU used during a phase: start() as locust starts, stop() once it was waited for.

    Backends come and go (CONN_MAX_AGE), so they are sampled every second: each one's last
    CPU time seen, less what it had at the start."""

    server: int
    database: str
    began: tuple = ()

    def _sample(self) -> tuple:
        workers = children(self.server) | {self.server}
        return machine(), sum(cpu_seconds(p) for p in workers), reaped_children()

    def _watch(self) -> None:
        while not self.done.wait(1.0):
            for pid, seconds in database_backends(self.database).items():
                self.backends.setdefault(pid, [seconds, seconds])[1] = seconds

    def start(self) -> None:
        self.backends = {pid: [s, s] for pid, s in database_backends(self.database).items()}
        self.initial = set(self.backends)
        self.done = threading.Event()
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        self.watcher.start()
        self.began = self._sample()

    def stop(self) -> str:
        (busy1, total1), gunicorn1, locust1 = self._sample()
        self.done.set()
        self.watcher.join()
        (busy0, total0), gunicorn0, locust0 = self.began
        # A backend first seen during the phase started during it (from 0 s of CPU).
        pg = 0.0
        for pid, (first, last) in self.backends.items():
            pg += last - (first if pid in self.initial else 0.0)
        cores = os.cpu_count() or 1
        wall = (total1 - total0) / cores

        def share(seconds: float) -> str:
            return f"{seconds / wall:.2f}"

        return (
            f"CPU, in cores busy on average over {wall:.0f} s (of {cores}): whole machine "
            f"{share(busy1 - busy0)}; gunicorn {share(gunicorn1 - gunicorn0)}, its PostgreSQL "
            f"backends {share(pg)}, locust {share(locust1 - locust0)}; "
            f"load average {os.getloadavg()[0]:.1f}"
        )


def read_stats(folder: Path, name: str) -> list[dict]:
    with (folder / f"{name}_stats.csv").open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def table(rows: list[dict], title: str) -> str:
    head = f"{'request':<18} {'reqs':>6} {'errors':>6} {'req/s':>6} {'p50':>6} {'p95':>6} "
    head += f"{'p99':>6} {'max':>6}"
    lines = [title, head + "   (ms)", "-" * (len(head) + 7)]
    rows = sorted(rows, key=lambda r: (r["Name"] == "Aggregated", -int(r["Request Count"])))
    for row in rows:
        label = "all requests" if row["Name"] == "Aggregated" else row["Name"]
        lines.append(
            f"{label:<18} {row['Request Count']:>6} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):>6.1f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6} "
            f"{float(row['Max Response Time']):>6.0f}"
        )
    return "\n".join(lines)


def failures(folder: Path, name: str) -> list[str]:
    path = folder / f"{name}_failures.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as file:
        return [f"{r['Occurrences']} x {r['Name']}: {r['Error']}" for r in csv.DictReader(file)]
