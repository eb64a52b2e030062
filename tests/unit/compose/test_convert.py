"""A service's compose keys as the container options `create` takes."""

import pytest

from nerdpy_compose.convert import create_options, duration, mount


def _options(project, text, **kw):
    p, _ = project({"compose.yaml": text})
    return p, create_options(p, "web", 1, container_names=lambda s: f"{p.name}-{s}-1", **kw)


def test_keys_map_to_run_options(project):
    p, opts = _options(project, """
        name: app
        services:
          web:
            image: busybox
            entrypoint: ["sh", "-c"]
            command: ["echo hi"]
            environment: {A: "1"}
            ports: ["127.0.0.1:8080:80/udp", "9000:90", "91"]
            volumes: ["data:/data:ro", "./src:/src", {type: tmpfs, target: /t, tmpfs: {size: 1000}}]
            networks: {front: {aliases: [www]}, back: {priority: 10}}
            extra_hosts: ["gw:host-gateway"]
            stop_grace_period: 1m30s
            ulimits: {nofile: {soft: 10, hard: 20}, nproc: 5}
            deploy: {resources: {limits: {memory: 64M, cpus: "0.5", pids: 100}}}
            labels: {mine: "yes"}
            restart: on-failure:3
        networks: {front: {}, back: {}}
        volumes: {data: {}}
    """)
    assert opts.name == "app-web-1" and opts.image == "busybox"
    assert opts.entrypoint == "sh" and opts.command == ("-c", "echo hi")
    assert opts.env == ("A=1",)
    assert opts.publish == ("127.0.0.1:8080:80/udp", "9000:90/tcp", "91/tcp")
    assert opts.mounts == ("type=volume,target=/data,source=app_data,readonly",
                           f"type=bind,target=/src,source={p.working_dir}/src",
                           "type=tmpfs,target=/t,tmpfs-size=1000")
    assert opts.networks == ("app_back", "app_front") and opts.network_aliases == ("web",)
    assert opts.endpoint_aliases == (("app_front", ("www",)),) and opts.endpoint_ips == ()
    assert opts.add_hosts == ("gw:host-gateway",)
    assert opts.stop_timeout == 90 and opts.restart == "on-failure:3"
    assert opts.ulimits == ("nofile=10:20", "nproc=5")
    assert (opts.memory, opts.cpus, opts.pids_limit) == ("64M", "0.5", 100)
    labels = dict(item.split("=", 1) for item in opts.labels)
    assert labels["mine"] == "yes" and labels["com.docker.compose.project"] == "app"
    assert labels["com.docker.compose.service"] == "web" and labels["com.docker.compose.container-number"] == "1"
    assert len(labels["com.docker.compose.config-hash"]) == 64


def test_network_mode_service_and_unsupported_keys_warn(project):
    warnings = []
    _, opts = _options(project, """
        name: app
        services:
          db: {image: busybox}
          web: {image: busybox, network_mode: "service:db", cpu_rt_period: 5000, runtime: runc}
    """, warn=warnings.append)
    assert opts.networks == ("container:app-db-1",)
    assert warnings == ["services.web.cpu_rt_period is not supported by nerdpy and is ignored",
                        "services.web.runtime is not supported by nerdpy and is ignored"]


def test_host_mode_keys_map_to_run_options(project):
    warnings = []
    _, opts = _options(project, """
        name: app
        services:
          db: {image: busybox, ipc: shareable}
          web:
            image: busybox
            pid: "service:db"
            ipc: "service:db"
            uts: host
            cgroup: host
            devices: ["/dev/null", "/dev/zero:/dev/nil:rw", {source: /dev/full, target: /dev/f, permissions: r},
                      {source: /dev/random}]
            oom_score_adj: 500
            links: ["db", "db:database"]
            external_links: ["other", "other2:o2"]
            volumes_from: ["db", "db:ro", "service:db:rw", "container:keeper", "container:keeper:ro"]
            cpu_shares: 512
            cpuset: "0-1"
            memswap_limit: 256M
            mem_reservation: 32M
            mac_address: "02:42:ac:11:00:02"
    """, warn=warnings.append)
    assert warnings == []
    assert (opts.pid, opts.ipc, opts.uts, opts.cgroupns) == ("container:app-db-1", "container:app-db-1", "host", "host")
    assert opts.devices == ("/dev/null", "/dev/zero:/dev/nil:rw", "/dev/full:/dev/f:r", "/dev/random:/dev/random:rwm")
    assert opts.oom_score_adj == 500
    assert opts.links == ("app-db-1:db", "app-db-1:database", "other", "other2:o2")
    assert opts.volumes_from == ("app-db-1", "app-db-1:ro", "app-db-1:rw", "keeper", "keeper:ro")
    assert (opts.cpu_shares, opts.cpuset_cpus, opts.memory_swap, opts.memory_reservation) == (512, "0-1", "256M", "32M")
    assert opts.mac_address == "02:42:ac:11:00:02"


def test_host_mode_keys_absent_leave_the_defaults(project):
    from nerdpy.api.types import CreateOptions

    _, opts = _options(project, "name: app\nservices:\n  web: {image: busybox}\n")
    default = CreateOptions()
    for key in ("pid", "ipc", "uts", "cgroupns", "devices", "oom_score_adj", "links", "volumes_from", "gpus",
                "cpu_shares", "cpuset_cpus", "memory_swap", "memory_reservation", "mac_address", "cpu_period",
                "cpu_quota", "memory_swappiness", "oom_kill_disable", "cgroup_parent", "blkio_weight",
                "blkio_weight_device", "device_read_bps", "device_write_bps", "device_read_iops",
                "device_write_iops"):
        assert getattr(opts, key) == getattr(default, key), key


def test_cgroup_keys_map_to_run_options(project):
    warnings = []
    _, opts = _options(project, """
        name: app
        services:
          web:
            image: busybox
            cpu_period: 50000
            cpu_quota: "25000"
            mem_swappiness: 10
            oom_kill_disable: true
            cgroup_parent: /batch
            blkio_config:
              weight: 300
              weight_device: [{path: /dev/sda, weight: 200}]
              device_read_bps: [{path: /dev/sda, rate: 1mb}]
              device_write_bps: [{path: /dev/sdb, rate: 512}]
              device_read_iops: [{path: /dev/sda, rate: 100}]
              device_write_iops: [{path: /dev/sda, rate: "7"}]
    """, warn=warnings.append)
    assert warnings == []
    assert (opts.cpu_period, opts.cpu_quota, opts.memory_swappiness) == (50000, 25000, 10)
    assert (opts.oom_kill_disable, opts.cgroup_parent, opts.blkio_weight) == (True, "/batch", 300)
    assert opts.blkio_weight_device == ("/dev/sda:200",) and opts.device_read_bps == ("/dev/sda:1048576",)
    assert opts.device_write_bps == ("/dev/sdb:512",)
    assert (opts.device_read_iops, opts.device_write_iops) == (("/dev/sda:100",), ("/dev/sda:7",))


def test_zero_swappiness_and_false_are_left_out_as_compose_go_does(project):
    _, opts = _options(project, "name: app\nservices:\n  web: {image: busybox, mem_swappiness: 0, "
                                "oom_kill_disable: 'false', cpu_period: 0}\n")
    assert (opts.memory_swappiness, opts.oom_kill_disable, opts.cpu_period) == (-1, False, 0)


@pytest.mark.parametrize("gpus, reservations, expected", [
    ("all", None, "all"),
    ([{"count": 2}], None, "2"),
    ([{"device_ids": ["0", "3"], "capabilities": ["gpu"]}], None, "device=0,3"),
    (None, [{"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}], "all"),
    (None, [{"capabilities": ["gpu", "utility"], "count": 1}], "1"),
    (None, [{"capabilities": ["gpu"], "device_ids": ["GPU-1"]}], "device=GPU-1"),
])
def test_gpus_and_gpu_reservations(project, gpus, reservations, expected):
    import json

    svc = {"image": "busybox"}
    if gpus is not None:
        svc["gpus"] = gpus
    if reservations is not None:
        svc["deploy"] = {"resources": {"reservations": {"devices": reservations}}}
    _, opts = _options(project, json.dumps({"name": "app", "services": {"web": svc}}))
    assert opts.gpus == expected


def test_non_gpu_reservation_is_reported_and_memory_reservation_applies(project):
    warnings = []
    _, opts = _options(project, """
        name: app
        services:
          web:
            image: busybox
            deploy: {resources: {reservations: {memory: 16M, devices: [{capabilities: [tpu]}]}}}
    """, warn=warnings.append)
    assert opts.gpus == "" and opts.memory_reservation == "16M"
    assert warnings == ["services.web.deploy.resources.reservations.devices: devices without the gpu capability "
                        "are not supported by nerdpy and are ignored"]


@pytest.mark.parametrize("svc, message", [
    ('{image: busybox, gpus: [{count: 1}, {count: 1}]}', "one GPU request per service"),
    ('{image: busybox, gpus: [{count: 1, device_ids: ["0"]}]}', "mutually exclusive"),
    ('{image: busybox, gpus: [{count: many}]}', "invalid value"),
    ('{image: busybox, gpus: [{count: 1, options: {a: b}}]}', "driver options"),
    ('{image: busybox, volumes_from: ["db:rx"]}', "invalid entry"),
    ('{image: busybox, volumes_from: ["container::ro"]}', "invalid entry"),
    ('{image: busybox, oom_score_adj: "lots"}', "invalid integer"),
    ('{image: busybox, ipc: "service:db"}', "non-shareable IPC"),
    ('{image: busybox, mac_address: "02:00:00:00:00:01", networks: {default: {mac_address: "02:00:00:00:00:02"}}}',
     "conflicts"),
])
def test_host_mode_keys_refuse_what_cannot_be_honoured(project, svc, message):
    from nerdpy_compose.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        _options(project, f"name: app\nservices:\n  db: {{image: busybox}}\n  web: {svc}\n")


def test_mac_address_per_network(project):
    warnings = []
    _, opts = _options(project, """
        name: app
        services:
          web:
            image: busybox
            networks:
              front: {priority: 10, mac_address: "02:00:00:00:00:0a"}
              back: {mac_address: "02:00:00:00:00:0b"}
        networks: {front: {}, back: {}}
    """, warn=warnings.append)
    assert opts.networks == ("app_front", "app_back") and opts.mac_address == "02:00:00:00:00:0a"
    assert warnings == ["services.web.networks.back.mac_address is not supported by nerdpy and is ignored "
                        "(only the first network's address can be set)"]


def test_implied_dependencies_order_services(project):
    from nerdpy_compose import order

    p, _ = project({"compose.yaml": """
        name: app
        services:
          web: {image: busybox, links: ["api:backend"], volumes_from: ["container:x", "files:ro"]}
          api: {image: busybox, pid: "service:ns", ipc: "service:ns"}
          ns: {image: busybox, ipc: shareable}
          files: {image: busybox, uts: host}
          side: {image: busybox, network_mode: "service:api", cgroup: host}
    """})
    assert order.deps(p, "web") == ["api", "files"]
    assert order.deps(p, "api") == ["ns"] and order.deps(p, "side") == ["api"]
    got = order.select(p, ("web",))
    assert got.index("ns") < got.index("api") < got.index("web") and got.index("files") < got.index("web")
    assert order.dependents_first(p, ["ns", "api", "web"]) == ["web", "api", "ns"]


@pytest.mark.parametrize("svc, key", [
    ('{image: busybox, ipc: "service:nope"}', "ipc"),
    ('{image: busybox, pid: "service:nope"}', "pid"),
    ('{image: busybox, links: ["nope:x"]}', "links"),
    ('{image: busybox, volumes_from: ["nope:ro"]}', "volumes_from"),
])
def test_references_to_unknown_services_fail(project, svc, key):
    from nerdpy_compose.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"services\.web\.{key}: .*'nope', which is not defined"):
        project({"compose.yaml": f"name: app\nservices:\n  web: {svc}\n"})


def test_implied_dependency_cycle_fails(project):
    from nerdpy_compose.errors import ConfigError

    with pytest.raises(ConfigError, match="dependency cycle"):
        project({"compose.yaml": """
            name: app
            services:
              a: {image: busybox, links: [b]}
              b: {image: busybox, volumes_from: [a]}
        """})


@pytest.mark.parametrize("text, seconds", [("10s", 10), ("1m30s", 90), ("500ms", 0.5), ("1h", 3600), ("2.5s", 2.5)])
def test_duration(text, seconds):
    assert duration(text, "x") == seconds


def test_bad_duration():
    from nerdpy_compose.errors import ConfigError

    with pytest.raises(ConfigError, match="invalid duration"):
        duration("10 seconds", "services.web.stop_grace_period")


def test_mount_quotes_commas(project):
    p, _ = project({"compose.yaml": "name: app\nservices:\n  web: {image: busybox}\n"})
    assert mount({"type": "bind", "source": "/a,b", "target": "/x"}, p) == 'type=bind,target=/x,"source=/a,b"'


def test_config_shows_the_implied_depends_on(project):
    p, _ = project({"compose.yaml": """
        name: app
        services:
          web:
            image: busybox
            depends_on: {files: {condition: service_healthy}}
            links: ["api:backend"]
            volumes_from: ["files:ro", "cache"]
          api: {image: busybox, ipc: "service:ns"}
          ns: {image: busybox, ipc: shareable}
          files: {image: busybox}
          cache: {image: busybox}
    """})
    assert p.services["web"]["depends_on"] == {
        "files": {"condition": "service_healthy", "required": True},
        "api": {"condition": "service_started", "restart": True, "required": True},
        "cache": {"condition": "service_started", "required": True},
    }
    assert p.services["api"]["depends_on"] == {"ns": {"condition": "service_started", "restart": True, "required": True}}
    assert "depends_on" not in p.services["ns"]
