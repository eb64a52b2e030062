"""Network records in the metadata database (domain "networks").

Tables::

    networks(id PK, name UNIQUE, driver, subnet, gateway, ip_range, internal,
             ipv6, subnet6, gateway6, labels JSON, options JSON, created, bridge)
    net_endpoints(container_id, network_id -> networks.id, ip, ip6, mac, aliases JSON,
                  ifname, host_veth; PK(container_id, network_id); UNIQUE(network_id, ip))
    net_attachments(container_id PK, mode, netns, helper_pid, helper_start,
                    api_socket, ports JSON, name, hostname, hosts_base, joined)

IP allocation happens inside one IMMEDIATE transaction and UNIQUE(network_id, ip)
makes a double allocation impossible. The built-in networks `bridge`, `host` and
`none` are inserted on first use (rootless `bridge` is the per-container
slirp4netns network 10.0.2.0/24; root `bridge` is the host bridge `nerdpy0`).
"""

from __future__ import annotations

import json

from nerdpy.errors import NotFound
from nerdpy.network.ports import PortMapping
from nerdpy.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from nerdpy.config import Settings
    from nerdpy.metadata.db import Database

MIGRATIONS = [
    """
    CREATE TABLE networks (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, driver TEXT NOT NULL,
        subnet TEXT NOT NULL DEFAULT '', gateway TEXT NOT NULL DEFAULT '', ip_range TEXT NOT NULL DEFAULT '',
        internal INTEGER NOT NULL DEFAULT 0, ipv6 INTEGER NOT NULL DEFAULT 0,
        subnet6 TEXT NOT NULL DEFAULT '', gateway6 TEXT NOT NULL DEFAULT '',
        labels TEXT NOT NULL DEFAULT '{}', options TEXT NOT NULL DEFAULT '{}',
        created TEXT NOT NULL, bridge TEXT NOT NULL DEFAULT '');
    CREATE TABLE net_endpoints (
        container_id TEXT NOT NULL, network_id TEXT NOT NULL REFERENCES networks(id),
        ip TEXT NOT NULL, ip6 TEXT NOT NULL DEFAULT '', mac TEXT NOT NULL DEFAULT '',
        aliases TEXT NOT NULL DEFAULT '[]', ifname TEXT NOT NULL DEFAULT '', host_veth TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (container_id, network_id), UNIQUE (network_id, ip));
    CREATE TABLE net_attachments (
        container_id TEXT PRIMARY KEY, mode TEXT NOT NULL, netns TEXT NOT NULL DEFAULT '',
        helper_pid INTEGER NOT NULL DEFAULT 0, helper_start INTEGER NOT NULL DEFAULT 0,
        api_socket TEXT NOT NULL DEFAULT '', ports TEXT NOT NULL DEFAULT '[]',
        name TEXT NOT NULL DEFAULT '', hostname TEXT NOT NULL DEFAULT '',
        hosts_base TEXT NOT NULL DEFAULT '', joined TEXT NOT NULL DEFAULT '')
    """,
]

ROOT_BRIDGE = "nerdpy0"
# A /16 with random addresses: several root-mode stores (tests, CI) share the one
# host bridge, and sequential allocation per store would hand out the same address.
ROOT_BRIDGE_SUBNET = "10.210.0.0/16"  # podman (CNI) already takes 10.88.0.0/16


@record
class NetworkRecord:
    id: str
    name: str
    driver: str
    subnet: str = ""
    gateway: str = ""
    ip_range: str = ""
    internal: bool = False
    ipv6: bool = False
    subnet6: str = ""
    gateway6: str = ""
    labels: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    created: str = ""
    bridge: str = ""

    @property
    def builtin(self) -> bool:
        return self.name in ("bridge", "host", "none")

    @property
    def slirp(self) -> bool:
        """The rootless default network: one slirp4netns per container, no bridge."""
        return bool(self.options.get("slirp4netns"))


@record
class EndpointRecord:
    container_id: str
    network_id: str
    ip: str
    ip6: str = ""
    mac: str = ""
    aliases: tuple[str, ...] = ()
    ifname: str = ""
    host_veth: str = ""


@record
class AttachmentRecord:
    container_id: str
    mode: str
    netns: str = ""
    helper_pid: int = 0
    helper_start: int = 0
    api_socket: str = ""
    ports: tuple[PortMapping, ...] = ()
    name: str = ""
    hostname: str = ""
    hosts_base: str = ""
    joined: str = ""  # mode "container": the container whose netns is shared


def builtin_id(name: str) -> str:
    from nerdpy.digest import sha256_hex  # not hashlib: OpenSSL's load is ~2 ms of `run`

    return sha256_hex(f"nerdpy-builtin-network:{name}".encode())


def database(settings: "Settings") -> "Database":
    from nerdpy.metadata.db import open_database

    db = open_database(settings.layout.meta_db)
    db.ensure_schema("networks", MIGRATIONS)
    if not db.query("SELECT 1 FROM networks WHERE name = 'bridge'"):
        from nerdpy.errors import Unavailable

        try:
            _insert_builtins(db, settings.rootless)
        except Unavailable:  # a full disk: the next command that can write records them
            pass
    return db


def _insert_builtins(db: "Database", rootless: bool) -> None:
    bridge = (
        NetworkRecord(builtin_id("bridge"), "bridge", "bridge", "10.0.2.0/24", "10.0.2.2",
                      options={"slirp4netns": True})
        if rootless
        else NetworkRecord(builtin_id("bridge"), "bridge", "bridge", ROOT_BRIDGE_SUBNET, "10.210.0.1", bridge=ROOT_BRIDGE,
                      options={"random_ipam": True})
    )
    records = [bridge, NetworkRecord(builtin_id("host"), "host", "host"), NetworkRecord(builtin_id("none"), "none", "null")]
    with db.transaction() as conn:
        for record in records:
            conn.execute(
                "INSERT OR IGNORE INTO networks(id, name, driver, subnet, gateway, options, created, bridge)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (record.id, record.name, record.driver, record.subnet, record.gateway,
                 json.dumps(record.options), "1970-01-01T00:00:00Z", record.bridge),
            )


def insert_network(conn: sqlite3.Connection, record: NetworkRecord) -> None:
    conn.execute(
        "INSERT INTO networks(id, name, driver, subnet, gateway, ip_range, internal, ipv6, subnet6, gateway6,"
        " labels, options, created, bridge) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (record.id, record.name, record.driver, record.subnet, record.gateway, record.ip_range,
         int(record.internal), int(record.ipv6), record.subnet6, record.gateway6,
         json.dumps(record.labels), json.dumps(record.options), record.created, record.bridge),
    )


def network_from_row(row: sqlite3.Row) -> NetworkRecord:
    return NetworkRecord(
        id=row["id"], name=row["name"], driver=row["driver"], subnet=row["subnet"], gateway=row["gateway"],
        ip_range=row["ip_range"], internal=bool(row["internal"]), ipv6=bool(row["ipv6"]),
        subnet6=row["subnet6"], gateway6=row["gateway6"], labels=json.loads(row["labels"]),
        options=json.loads(row["options"]), created=row["created"], bridge=row["bridge"],
    )


def list_networks(settings: "Settings") -> list[NetworkRecord]:
    rows = database(settings).query("SELECT * FROM networks ORDER BY name")
    return [network_from_row(r) for r in rows]


def find_network(settings: "Settings", name_or_id: str) -> NetworkRecord:
    """By exact name, full id or unique id prefix; NotFound otherwise."""
    db = database(settings)
    rows = db.query("SELECT * FROM networks WHERE name = ? OR id = ?", (name_or_id, name_or_id))
    if not rows and name_or_id and all(c in "0123456789abcdef" for c in name_or_id):
        rows = db.query("SELECT * FROM networks WHERE id LIKE ?", (name_or_id + "%",))
        if len(rows) > 1:
            from nerdpy.errors import Conflict

            raise Conflict(f"network id prefix {name_or_id!r} is ambiguous", hint="give more characters")
    if not rows:
        raise NotFound(f"network {name_or_id} not found", hint="see `nerdpy network ls`")
    return network_from_row(rows[0])


def endpoint_from_row(row: sqlite3.Row) -> EndpointRecord:
    return EndpointRecord(row["container_id"], row["network_id"], row["ip"], row["ip6"], row["mac"],
                          tuple(json.loads(row["aliases"])), row["ifname"], row["host_veth"])


def endpoints_of(settings: "Settings", container_id: str) -> list[EndpointRecord]:
    rows = database(settings).query(
        "SELECT * FROM net_endpoints WHERE container_id = ? ORDER BY ifname", (container_id,))
    return [endpoint_from_row(r) for r in rows]


def endpoints_on(settings: "Settings", network_id: str) -> list[EndpointRecord]:
    rows = database(settings).query("SELECT * FROM net_endpoints WHERE network_id = ? ORDER BY ip", (network_id,))
    return [endpoint_from_row(r) for r in rows]


def count_endpoints(settings: "Settings") -> int:
    rows = database(settings).query("SELECT COUNT(*) FROM net_endpoints")
    return int(rows[0][0])


def attachment_from_row(row: sqlite3.Row) -> AttachmentRecord:
    return AttachmentRecord(
        row["container_id"], row["mode"], row["netns"], row["helper_pid"], row["helper_start"],
        row["api_socket"], tuple(PortMapping.from_dict(p) for p in json.loads(row["ports"])),
        row["name"], row["hostname"], row["hosts_base"], row["joined"],
    )


def load_attachment(settings: "Settings", container_id: str) -> AttachmentRecord | None:
    rows = database(settings).query("SELECT * FROM net_attachments WHERE container_id = ?", (container_id,))
    return attachment_from_row(rows[0]) if rows else None


def all_attachments(settings: "Settings") -> list[AttachmentRecord]:
    return [attachment_from_row(r) for r in database(settings).query("SELECT * FROM net_attachments")]


def save_attachment(settings: "Settings", record: AttachmentRecord) -> None:
    with database(settings).transaction() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO net_attachments(container_id, mode, netns, helper_pid, helper_start, api_socket,"
            " ports, name, hostname, hosts_base, joined) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record.container_id, record.mode, record.netns, record.helper_pid, record.helper_start,
             record.api_socket, json.dumps([p.to_dict() for p in record.ports]), record.name,
             record.hostname, record.hosts_base, record.joined),
        )


def delete_attachment(settings: "Settings", container_id: str) -> None:
    with database(settings).transaction() as conn:
        conn.execute("DELETE FROM net_attachments WHERE container_id = ?", (container_id,))
