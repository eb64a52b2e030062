"""The extra attributes Docker's json-file driver writes on every log line (`"attrs"`)
and `logs --details` shows: the container labels named by `--log-opt labels=` or
matched by `labels-regex=`, the environment variables named by `env=` or matched by
`env-regex=` (Docker's logger.Info.ExtraAttributes), and `tag=`, a template over the
container's ID, name and image, only when asked for."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Mapping

# The --log-opt keys Docker's json-file driver accepts (jsonfilelog.ValidateLogOpt).
JSON_FILE_OPTS = ("max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag")


def extra_attributes(opts: Mapping[str, str], labels: Mapping[str, str], env: Iterable[str]) -> dict[str, str]:
    variables = dict(item.split("=", 1) for item in env if "=" in item)
    return {**_selected(labels, opts.get("labels", ""), opts.get("labels-regex", "")),
            **_selected(variables, opts.get("env", ""), opts.get("env-regex", ""))}


def _selected(values: Mapping[str, str], names: str, regex: str) -> dict[str, str]:
    """The entries of `values` named in the comma-separated `names` or whose key `regex` matches."""
    out = {key: values[key] for key in names.split(",") if key in values}
    if regex:
        import re

        pattern = re.compile(regex)
        out.update((k, v) for k, v in values.items() if pattern.search(k))
    return out


def tag(template: str, container_id: str, name: str, image_id: str, image_name: str) -> str:
    """`--log-opt tag=`: Docker's fields {{.ID}} (12 characters), {{.FullID}}, {{.Name}},
    {{.ImageID}}, {{.ImageFullID}}, {{.ImageName}} and {{.DaemonName}}."""
    from nerdpy.formatting.gotemplate import render

    image_hex = image_id.split(":", 1)[-1]
    return render(template, {"ID": container_id[:12], "FullID": container_id, "Name": name.lstrip("/"),
                             "ImageID": image_hex[:12], "ImageFullID": image_id, "ImageName": image_name,
                             "DaemonName": "nerdpy"})


def details_prefix(attrs: Iterable[tuple[str, str]]) -> bytes:
    """What `logs --details` puts before a line: k=v pairs, query-escaped as Go's
    url.QueryEscape, comma-separated, then a space (a lone space when there are none)."""
    from urllib.parse import quote_plus

    return (",".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in attrs) + " ").encode()
