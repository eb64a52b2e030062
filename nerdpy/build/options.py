"""What a build is asked to do: the options record `nerdpy.api.build` takes.

compose's `build:` maps onto it directly: context, dockerfile (or dockerfile_inline
-> `dockerfile_text`), args, target, labels, tags, secrets.
"""

from __future__ import annotations

from typing import Any

from nerdpy.records import field, record


@record
class Secret:
    id: str
    source: str = ""  # a file on the client
    env: str = ""  # or the value of this client environment variable (resolved by the caller)
    value: bytes | None = None  # the bytes, once read by the caller (the API reads files)


@record
class Output:
    type: str = "image"  # image | local | tar | oci | docker
    dest: str = ""  # a path; "" or "-": `stream`
    name: str = ""
    stream: Any = field(default=None, compare=False)  # a binary stream for dest=-


@record
class BuildOptions:
    context: str  # a directory; the API turns a tar stream into one first
    dockerfile: str = ""  # path; "" = <context>/Dockerfile
    dockerfile_text: str | None = None  # inline Dockerfile (`-f -`, compose dockerfile_inline)
    tags: tuple[str, ...] = ()
    build_args: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    target: str = ""
    no_cache: bool = False
    no_cache_filter: tuple[str, ...] = ()
    pull: bool = False
    network: str = "default"  # default | none | host: the RUN network unless a step says otherwise
    add_hosts: tuple[str, ...] = ()  # "name:ip" lines RUN steps see in /etc/hosts (--add-host)
    secrets: tuple[Secret, ...] = ()
    platform: str = ""
    outputs: tuple[Output, ...] = ()
    source_date_epoch: int | None = None
    progress: str = "plain"  # plain | tty | quiet (the CLI resolves auto)


@record
class BuildResult:
    image_id: str  # config digest (what --iidfile and -q print)
    manifest_digest: str
    names: tuple[str, ...]
    warnings: tuple[str, ...] = ()
