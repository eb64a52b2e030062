"""Bridges, veth pairs and nftables rules, in the host namespace (root) or in the
shared rootless network namespace (rootless), with the same commands.

iproute2 and nft run as subprocesses (`nsenter --net=` for another namespace):
measured here, `import pyroute2` alone costs 170-210 ms, an `ip -batch` exec ~3 ms,
and `run` latency is the budget that matters.

nftables: one table `ip nerdpy` with nat (prerouting/output/postrouting) and
filter (forward, and loopback_guard at raw priority) chains. Rules carry a comment `net:<id>` (per network: masquerade,
isolation) or `ctr:<id>` (per container: port DNAT) so they can be deleted by handle.
"""

from __future__ import annotations

import json
import subprocess

from nerdpy.errors import Unavailable
from nerdpy.records import record

TABLE = "nerdpy"
BRIDGE_PREFIX = "nerdpy"  # every bridge name starts with it (isolation rules match "nerdpy*")
MTU = 65520

# Published ports are map elements, not rules: adding one is cheap (re-adding
# chains costs ~18 ms, a hook re-registration) and no listing is needed to remove
# one. `*_ip` maps hold ports bound to one host address, `*_any` the others.
_BASE = f"""add table ip {TABLE}
add chain ip {TABLE} prerouting {{ type nat hook prerouting priority dstnat; policy accept; }}
add chain ip {TABLE} output {{ type nat hook output priority -100; policy accept; }}
add chain ip {TABLE} postrouting {{ type nat hook postrouting priority srcnat; policy accept; }}
add chain ip {TABLE} forward {{ type filter hook forward priority filter; policy accept; }}
add map ip {TABLE} tcp_any {{ type inet_service : ipv4_addr . inet_service; }}
add map ip {TABLE} udp_any {{ type inet_service : ipv4_addr . inet_service; }}
add map ip {TABLE} tcp_ip {{ type ipv4_addr . inet_service : ipv4_addr . inet_service; }}
add map ip {TABLE} udp_ip {{ type ipv4_addr . inet_service : ipv4_addr . inet_service; }}
"""
# route_localnet (set on every bridge) lets the host's own connections to a port
# published on 127.0.0.1 leave through the bridge after DNAT; it also makes the
# host accept 127.x packets arriving on the bridge, which a container can forge
# with raw frames (default CAP_NET_RAW) to reach host services bound to loopback,
# or a neighbour's loopback-published port. Drop them before any DNAT (raw
# priority): loopback addresses only ever come in on `lo`. Flushed and re-added
# with every bridge, so an older table gets the rule too.
_LOOPBACK_GUARD = f"""add table ip {TABLE}
add chain ip {TABLE} loopback_guard {{ type filter hook prerouting priority raw; policy accept; }}
flush chain ip {TABLE} loopback_guard
add rule ip {TABLE} loopback_guard iifname != "lo" ip daddr 127.0.0.0/8 drop
"""
_DNAT = "".join(
    f"add rule ip {TABLE} {chain} fib daddr type local dnat ip to ip daddr . {proto} dport map @{proto}_ip\n"
    f"add rule ip {TABLE} {chain} fib daddr type local dnat ip to {proto} dport map @{proto}_any\n"
    for chain in ("prerouting", "output") for proto in ("tcp", "udp")
)


@record
class BridgeSpec:
    network_id: str
    name: str  # interface name
    gateway: str
    prefix_len: int
    subnet: str
    internal: bool
    gateway6: str = ""
    prefix6: int = 64


def run(netns: str | None, argv: list[str], input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run a network tool in `netns` (None: this process's namespace)."""
    from nerdpy.linux.which import executable

    tool = [executable(argv[0]), *argv[1:]]
    full = ([executable("nsenter"), f"--net={netns}"] if netns else []) + tool
    try:
        proc = subprocess.run(full, input=input, capture_output=True, text=True)
    except OSError as exc:
        raise Unavailable(f"cannot run {argv[0]}: {exc.strerror}", hint="install iproute2, nftables and util-linux") from None
    if check and proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        # nft ends with the failed line and a caret marker; its reason is on its `Error:` line.
        # ip -batch ends with "Command failed -:N" after the kernel's answer.
        detail = next((ln for ln in lines if ln.startswith(("Error:", "/dev/stdin"))), lines[-1] if lines else "failed")
        if detail.startswith("Command failed") and len(lines) > 1:
            detail = f"{lines[-2]} ({detail})"
        raise Unavailable(f"{' '.join(argv[:3])}: {detail}")
    return proc


def table_exists(netns: str | None) -> bool:
    return run(netns, ["nft", "list", "table", "ip", TABLE], check=False).returncode == 0


def ensure_bridge(netns: str | None, spec: BridgeSpec, exists: bool = False) -> None:
    """Create the bridge with its gateway address and NAT/isolation rules. The
    caller checks it is missing (cheaply: /sys rooted, a marker file rootless).
    `exists`: repair a bridge someone else made (root: another store, an older
    nerdpy): add what is missing, replace this network's rules."""
    batch = [
        # A bridge without an address of its own takes its lowest port's, so it changed
        # whenever a container joined with a lower one and peers kept the stale ARP entry
        # for the gateway: no DNS and no way out for ~30 s. Docker sets one too.
        f"link set {spec.name} address {bridge_mac(spec.network_id)}",
        f"addr replace {spec.gateway}/{spec.prefix_len} dev {spec.name}",
        f"link set {spec.name} up",
    ]
    if not exists:
        batch.insert(0, f"link add name {spec.name} mtu {MTU} type bridge")
    if spec.gateway6:
        batch.insert(2, f"addr replace {spec.gateway6}/{spec.prefix6} dev {spec.name} nodad")
    run(netns, ["ip", "-batch", "-"], input="\n".join(batch) + "\n")
    if exists:
        delete_rules(netns, f"net:{spec.network_id}")
    _sysctls(netns, {"net/ipv4/ip_forward": "1", f"net/ipv4/conf/{spec.name}/route_localnet": "1"})
    tag = f'comment "net:{spec.network_id}"'
    rules = ([] if table_exists(netns) else [_BASE, _DNAT]) + [_LOOPBACK_GUARD]
    if spec.internal:
        rules.append(f'add rule ip {TABLE} forward iifname "{spec.name}" oifname != "{spec.name}" drop {tag}\n')
        rules.append(f'add rule ip {TABLE} forward oifname "{spec.name}" iifname != "{spec.name}" drop {tag}\n')
    else:
        rules.append(f'add rule ip {TABLE} postrouting ip saddr {spec.subnet} oifname != "{spec.name}" masquerade {tag}\n')
        rules.append(f'add rule ip {TABLE} forward iifname "{spec.name}" oifname "{BRIDGE_PREFIX}*" '
                     f'oifname != "{spec.name}" drop {tag}\n')
    # Published ports reached from localhost or from a peer on the same bridge (hairpin).
    rules.append(f'add rule ip {TABLE} postrouting oifname "{spec.name}" ip saddr 127.0.0.0/8 masquerade {tag}\n')
    rules.append(f'add rule ip {TABLE} postrouting oifname "{spec.name}" iifname "{spec.name}" ct status dnat '
                 f"masquerade {tag}\n")
    run(netns, ["nft", "-f", "-"], input="".join(rules))


def bridge_mac(network_id: str) -> str:
    """A fixed, locally administered unicast address (0e:…) from the network's id;
    containers' addresses start 02:42, so the two never meet."""
    return "0e:" + ":".join(network_id[i:i + 2] for i in range(0, 10, 2))


def delete_bridge(netns: str | None, name: str, network_id: str) -> None:
    run(netns, ["ip", "link", "del", "dev", name], check=False)
    delete_rules(netns, f"net:{network_id}")


def _sysctls(netns: str | None, values: dict[str, str]) -> None:
    if netns is None:
        for key, value in values.items():
            with open(f"/proc/sys/{key}", "w") as f:
                f.write(value)
        return
    run(netns, ["sh", "-c", "; ".join(f"echo {v} > /proc/sys/{k}" for k, v in values.items())])


def add_veth(netns: str | None, bridge: str, host_veth: str, container_netns: str, ifname: str,
             ip: str, prefix_len: int, gateway: str, mac: str, ip6: str = "", prefix6: int = 64,
             gateway6: str = "") -> None:
    """A veth pair: `host_veth` on the bridge, `ifname` (addressed, routed) in the container."""
    add = (f"link add {host_veth} mtu {MTU} type veth peer name {ifname} netns {container_netns}\n"
           f"link set {host_veth} master {bridge} up\n")
    if run(netns, ["ip", "-batch", "-"], input=add, check=False).returncode != 0:
        # The name is the container's and the network's: after a stop the kernel
        # dismantles the old netns asynchronously, and until then the old host side
        # keeps that name (a quick restart under load met "File exists").
        delete_veth(netns, host_veth)
        run(netns, ["ip", "-batch", "-"], input=add)
    batch = [f"link set {ifname} address {mac} mtu {MTU} up", f"addr add {ip}/{prefix_len} dev {ifname}"]
    if gateway:
        batch.append(f"route add default via {gateway} dev {ifname}")
    if ip6:
        batch.insert(1, f"addr add {ip6}/{prefix6} dev {ifname} nodad")
        if gateway6:
            batch.append(f"route add default via {gateway6} dev {ifname}")
    run(container_netns, ["ip", "-batch", "-"], input="\n".join(batch) + "\n")


def delete_veth(netns: str | None, host_veth: str) -> None:
    run(netns, ["ip", "link", "del", "dev", host_veth], check=False)


PortRule = tuple[str, str, int, str, int]  # proto, host_ip ("" any), host_port, container_ip, container_port


def _elements(verb: str, rules: list[PortRule]) -> str:
    lines = []
    for proto, host_ip, host_port, cip, cport in rules:
        bound = host_ip and host_ip != "0.0.0.0"
        key = f"{host_ip} . {host_port}" if bound else str(host_port)
        value = f" : {cip} . {cport}" if verb == "add" else ""
        lines.append(f"{verb} element ip {TABLE} {proto}_{'ip' if bound else 'any'} {{ {key}{value} }}\n")
    return "".join(lines)


def add_port_rules(netns: str | None, rules: list[PortRule]) -> None:
    """DNAT host ports (on local addresses) to containers: map elements."""
    if rules:
        run(netns, ["nft", "-f", "-"], input=_elements("add", rules))


def delete_port_rules(netns: str | None, rules: list[PortRule]) -> None:
    if rules:
        run(netns, ["nft", "-f", "-"], input=_elements("delete", rules), check=False)


def delete_rules(netns: str | None, comment: str) -> None:
    """Delete every rule of table nerdpy whose comment is `comment`."""
    proc = run(netns, ["nft", "-j", "-a", "list", "table", "ip", TABLE], check=False)
    if proc.returncode != 0:
        return
    try:
        items = json.loads(proc.stdout).get("nftables", [])
    except ValueError:
        return
    commands = [
        f"delete rule ip {TABLE} {item['rule']['chain']} handle {item['rule']['handle']}\n"
        for item in items
        if "rule" in item and item["rule"].get("comment") == comment
    ]
    if commands:
        run(netns, ["nft", "-f", "-"], input="".join(commands), check=False)


def delete_table(netns: str | None) -> None:
    """Drop the whole nerdpy table (no bridge left)."""
    run(netns, ["nft", "delete", "table", "ip", TABLE], check=False)


GUARD = """add table ip nerdpy_guard
add chain ip nerdpy_guard output { type filter hook output priority 0; policy accept; }
add chain ip nerdpy_guard forward { type filter hook forward priority 0; policy accept; }
add rule ip nerdpy_guard output ip daddr %(host)s ct state new drop
add rule ip nerdpy_guard forward ip daddr %(host)s ct state new drop
"""


def guard_host_loopback(netns: str, host_alias: str) -> None:
    """Block new connections to slirp4netns's host-loopback alias from `netns`.

    Used instead of `--disable-host-loopback`, which also drops the replies of
    UDP port forwards (they go back to that alias): replies are "established".
    """
    run(netns, ["nft", "-f", "-"], input=GUARD % {"host": host_alias})
