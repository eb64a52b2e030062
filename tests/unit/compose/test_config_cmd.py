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
