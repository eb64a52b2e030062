"""What `compose config` prints for its listing flags."""

from nerdpy_compose.config_cmd import ConfigRequest, render

FILE = """
services:
  web: {image: busybox}
  db: {image: busybox}
  cache: {image: busybox}
"""


def test_hash_lists_services_by_name(project):
    # docker compose prints project.ServiceNames(): sorted, each once, whatever the file or
    # the --hash list order (it followed the file's order).
    p, _ = project({"compose.yaml": FILE})
    every = render(p, ConfigRequest(hash="*")).splitlines()
    assert [line.split()[0] for line in every] == ["cache", "db", "web"]
    assert all(len(line.split()[1]) == 64 for line in every)
    picked = render(p, ConfigRequest(hash="web,db,web")).splitlines()
    assert picked == [every[1], every[2]]


def test_services_lists_dependencies_first(project):
    # docker compose walks project.ServiceNames() with ForEachService: each service after
    # what it depends on (depends_on, links, volumes_from); it printed them sorted.
    p, _ = project({"compose.yaml": """
services:
  api: {image: busybox, depends_on: [store]}
  web: {image: busybox, links: [api]}
  store: {image: busybox}
  cache: {image: busybox}
"""})
    assert render(p, ConfigRequest(services=True)).splitlines() == ["store", "api", "cache", "web"]


def test_cgroup_keys_print_as_compose_go_does(project):
    """int64s as numbers, UnitBytes (mem_swappiness, blkio rates) as strings of bytes,
    zero values left out; in JSON a blkio device's keys are Go's field names (no json tags)."""
    import json

    p, _ = project({"compose.yaml": """
services:
  web:
    image: busybox
    cpu_quota: "25000"
    mem_swappiness: "0"
    oom_kill_disable: "true"
    cgroup_parent: ""
    blkio_config:
      weight_device: [{path: /dev/sda, weight: "200"}]
      device_read_bps: [{path: /dev/sda, rate: 1.5GiB}]
      device_write_iops: [{path: /dev/sda, rate: 10}]
"""})
    web = json.loads(render(p, ConfigRequest(format="json")))["services"]["web"]
    assert web["cpu_quota"] == 25000 and web["oom_kill_disable"] is True
    assert "mem_swappiness" not in web and "cgroup_parent" not in web
    assert web["blkio_config"] == {"weight_device": [{"Path": "/dev/sda", "Weight": 200}],
                                   "device_read_bps": [{"Path": "/dev/sda", "Rate": str(3 << 29)}],
                                   "device_write_iops": [{"Path": "/dev/sda", "Rate": "10"}]}
    assert "      - path: /dev/sda\n        rate: '1610612736'" in render(p, ConfigRequest(format="yaml"))
