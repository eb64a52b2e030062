"""`stats`: Docker's columns of containers' resource usage, sampled without a
daemon (the readings: nerdpy.containers.usage). The CLI only prints the rows."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

from nerdpy.config import Settings
from nerdpy.containers import Container, State
from nerdpy.containers import usage as _usage
from nerdpy.formatting.human import bytes_size, human_size
from nerdpy.records import record

INTERVAL = 1.0  # Docker's daemon reads a container's cgroup once a second

# Docker's field names; this order is its JSON's (a Go map: sorted keys).
FIELDS = ("BlockIO", "CPUPerc", "Container", "ID", "MemPerc", "MemUsage", "Name", "NetIO", "PIDs")
COLUMNS = (("ID", "CONTAINER ID"), ("Name", "NAME"), ("CPUPerc", "CPU %"), ("MemUsage", "MEM USAGE / LIMIT"),
           ("MemPerc", "MEM %"), ("NetIO", "NET I/O"), ("BlockIO", "BLOCK I/O"), ("PIDs", "PIDS"))
HEADERS = dict(COLUMNS, Container="CONTAINER")
_STOPPED = {"CPUPerc": "0.00%", "MemUsage": "0B / 0B", "MemPerc": "0.00%", "NetIO": "0B / 0B",
            "BlockIO": "0B / 0B", "PIDs": "0"}  # what Docker's daemon answers for a container that is not running


@record
class Sample:
    rows: list[dict[str, str]]
    unavailable: tuple[str, ...]  # headers of the columns some container shows as "--"


def unavailable_note(columns: tuple[str, ...]) -> str:
    """The one line that says why some figures are missing."""
    shown = ", ".join(columns[:-1]) + " and " + columns[-1] if len(columns) > 1 else columns[0]
    return (f"{shown} shown as --: the container has no cgroup of its own (rootless, that needs cgroup v2 with "
            "controllers delegated to the user; this host does not have it)")


def usage_columns(usage: _usage.Usage, cpu_percent: float | None) -> dict[str, str]:
    """Docker's CLI's text for one reading: binary units for memory, decimal
    (three digits) for I/O, `--` for what could not be read."""
    out = {"CPUPerc": "--" if cpu_percent is None else _percent(cpu_percent)}
    if usage.memory is None or not usage.memory_limit:
        out["MemUsage"], out["MemPerc"] = "-- / --", "--"
    else:
        out["MemUsage"] = bytes_size(usage.memory) + " / " + bytes_size(usage.memory_limit)
        out["MemPerc"] = _percent(usage.memory / usage.memory_limit * 100.0)
    out["NetIO"] = "--" if usage.net_rx is None or usage.net_tx is None else _pair(usage.net_rx, usage.net_tx)
    blocks = (usage.block_read, usage.block_write)
    out["BlockIO"] = "--" if blocks[0] is None or blocks[1] is None else _pair(blocks[0], blocks[1])
    out["PIDs"] = "--" if usage.pids is None else str(usage.pids)
    return out


@record
class _Target:
    container: Container
    state: State
    label: str  # Docker's .Container: the name or ID asked for, else the short ID


def _percent(value: float) -> str:
    return f"{value:.2f}%"


def _pair(first: int, second: int) -> str:
    return human_size(first) + " / " + human_size(second)


class _Reader:
    """Successive readings of the selected containers; CPU % is over the time
    between two of them."""

    def __init__(self, settings: Settings, refs: list[str], show_all: bool, no_trunc: bool) -> None:
        from nerdpy.containers.store import ContainerStore

        self.store = ContainerStore(settings)
        self.refs = refs
        self.show_all = show_all
        self.trunc = not no_trunc
        self.mounts = _usage.hierarchies()
        self.memory = _usage.machine_memory()
        self.ticks = os.sysconf("SC_CLK_TCK")
        self.cpus = os.sysconf("SC_NPROCESSORS_ONLN")
        self.previous: dict[str, tuple[int, int]] = {}  # container ID -> (its CPU ns, the host's) at the last reading
        self.targets = self._select(first=True)

    def _select(self, first: bool = False) -> list[_Target]:
        if self.refs:  # named ones stay while they exist (a missing one fails the first time, as Docker)
            found = []
            for ref in self.refs:
                container = self.store.get(ref) if first else self.store.find(ref)
                if container is not None:
                    found.append(_Target(container, self.store.state(container.id), ref))
            return found
        targets = [_Target(c, self.store.state(c.id), c.id[:12]) for c in self.store.list()]
        if not self.show_all:
            targets = [t for t in targets if t.state.status in ("running", "paused")]
        return sorted(targets, key=lambda t: -t.container.created)

    def running(self) -> bool:
        return any(t.state.pid for t in self.targets)

    def read(self) -> Sample:
        system = _usage.system_cpu_ns(self.ticks)
        live = [t for t in self.targets if t.state.pid and t.state.status in ("running", "paused")]
        live_ids = {t.container.id for t in live}
        processes = _usage.processes_by_namespace([t.state.pid for t in live])
        rows: list[dict[str, str]] = []
        unavailable: set[str] = set()
        for target in self.targets:
            row = {"Container": target.label, "Name": target.container.name,
                   "ID": target.container.id[:12] if self.trunc else target.container.id}
            if target.container.id in live_ids:
                row.update(self._measure(target, processes.get(target.state.pid, []), system, unavailable))
            else:
                row.update(_STOPPED)
            rows.append({key: row[key] for key in FIELDS})
        return Sample(rows, tuple(h for _, h in COLUMNS if h in unavailable))

    def _measure(self, target: _Target, processes: list[int], system: int, unavailable: set[str]) -> dict[str, str]:
        container = target.container
        usage = _usage.read_usage(container.id, target.state.pid, processes, self.mounts, self.memory, self.ticks,
                                  host_network=container.host_config.get("NetworkMode") == "host")
        share = None
        if usage.cpu_ns is not None:
            before = self.previous.get(container.id)
            self.previous[container.id] = (usage.cpu_ns, system)
            share = _usage.cpu_percent(before[0], usage.cpu_ns, before[1], system, self.cpus) if before else 0.0
        out = usage_columns(usage, share)
        unavailable.update(HEADERS[key] for key, value in out.items() if value.startswith("--"))
        return out

    def refresh(self) -> None:
        self.targets = self._select()


def sample(settings: Settings, refs: list[str], show_all: bool, no_trunc: bool, stream: bool,
           interval: float = INTERVAL) -> Iterator[Sample]:
    """Readings of the containers named (else the running ones, with
    `show_all` every one), `interval` apart; without `stream` just one, CPU %
    over its first `interval`, as `docker stats --no-stream`."""
    reader = _Reader(settings, refs, show_all, no_trunc)
    reader.read()  # the CPU baseline
    while True:
        if reader.running() or stream:
            time.sleep(interval)
        yield reader.read()
        if not stream:
            return
        reader.refresh()
        if refs and not reader.targets:
            return  # every container named is gone
