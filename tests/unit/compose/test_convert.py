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
    assert opts.networks == ("app_back", "app_front") and opts.network_aliases == ("web", "www")
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
          web: {image: busybox, network_mode: "service:db", cpu_shares: 512, links: [db]}
    """, warn=warnings.append)
    assert opts.networks == ("container:app-db-1",)
    assert warnings == ["services.web.cpu_shares is not supported by nerdpy and is ignored",
                        "services.web.links is not supported by nerdpy and is ignored"]


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
