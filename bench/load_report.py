"""bench/load.py's tables: locust's figures per request type, and where the CPU went.

The machine is shared (other engineers' tests and benchmarks run on the same two cores), so
each phase also says how busy the whole machine was and how much of that was gunicorn, its
PostgreSQL backends and locust itself.
"""

import csv
import os
import resource
import threading
import time
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


def rss_mib(pid: int) -> float | None:
    """A process's resident memory in MiB, None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


@dataclass
class Memory:
    """Each process's resident memory, sampled every ``every`` seconds: gunicorn's workers
    (found again at each sample: a restarted worker is a new line) and the import worker."""

    server: int
    others: dict  # name -> pid
    every: float = 10.0

    def start(self) -> None:
        self.samples: dict[str, list[tuple[float, float]]] = {}
        self.began = time.monotonic()
        self.done = threading.Event()
        self._sample()
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        self.watcher.start()

    def _sample(self) -> None:
        at = time.monotonic() - self.began
        processes = {f"gunicorn worker {pid}": pid for pid in sorted(children(self.server))}
        processes |= {"gunicorn arbiter": self.server, **self.others}
        for name, pid in processes.items():
            if (mib := rss_mib(pid)) is not None:
                self.samples.setdefault(name, []).append((at, mib))

    def _watch(self) -> None:
        while not self.done.wait(self.every):
            self._sample()

    def stop(self) -> str:
        self.done.set()
        self.watcher.join()
        self._sample()
        head = f"{'process':<24} {'start':>7} {'after 1/3':>9} {'end':>7} {'peak':>7} {'growth':>7}"
        lines = ["Resident memory, MiB", head, "-" * len(head)]
        for name, samples in self.samples.items():
            values = [mib for _at, mib in samples]
            third = values[len(values) // 3]
            # Unbounded growth keeps growing after the warm-up: compare the end with a third
            # of the way in, when caches and pools are full.
            lines.append(
                f"{name:<24} {values[0]:>7.0f} {third:>9.0f} {values[-1]:>7.0f} "
                f"{max(values):>7.0f} {values[-1] - third:>+7.0f}"
            )
        return "\n".join(lines)


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
