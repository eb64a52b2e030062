"""Docker compose's names and labels (docker/compose pkg/api/labels.go): how
a project's containers, networks and volumes are named and found again."""

from __future__ import annotations

PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
NUMBER = "com.docker.compose.container-number"
ONEOFF = "com.docker.compose.oneoff"
CONFIG_HASH = "com.docker.compose.config-hash"
WORKING_DIR = "com.docker.compose.project.working_dir"
CONFIG_FILES = "com.docker.compose.project.config_files"
ENV_FILE = "com.docker.compose.project.environment_file"
DEPENDS_ON = "com.docker.compose.depends_on"
VERSION = "com.docker.compose.version"
IMAGE = "com.docker.compose.image"
NETWORK = "com.docker.compose.network"
VOLUME = "com.docker.compose.volume"
SLUG = "com.docker.compose.slug"
COMPOSE_VERSION = "2.30.0"  # the docker compose release whose behaviour this follows


def container_name(project: str, service: str, number: int) -> str:
    return f"{project}-{service}-{number}"


def oneoff_name(project: str, service: str, slug: str) -> str:
    return f"{project}-{service}-run-{slug[:12]}"
