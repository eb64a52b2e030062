"""Option values of `create`/`run` (and `update`, `stop`, `kill`) checked and parsed
as Docker parses them: sizes, signals, restart policies, log options, labels."""

from __future__ import annotations

from nerdpy.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def parse_size(text: str, what: str) -> int:
    """Docker's RAMInBytes: 512, 64k, 10m, 1g (binary units)."""
    units = {"b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    value = text.strip().lower().rstrip("b") if text.strip().lower() not in ("", "b") else text
    if value and value[-1] in units:
        number, unit = value[:-1], units[value[-1]]
    else:
        number, unit = value, 1
    try:
        size = int(float(number) * unit)
    except ValueError:
        raise InvalidArgument(f"invalid {what} {text!r}", hint="use a size like 64m or 1g") from None
    if size < 0:
        raise InvalidArgument(f"invalid {what} {text!r}: negative")
    return size


def parse_log_opts(driver: str, opts: tuple[str, ...]) -> dict[str, str]:
    if driver not in ("json-file", "none", "k8s-file"):
        raise InvalidArgument(f"unsupported log driver {driver!r}", hint="use json-file or none")
    if not opts:
        return {}
    from nerdpy.logs.attributes import JSON_FILE_OPTS  # only with options: `run` stays light

    values: dict[str, str] = {}
    for opt in opts:
        key, sep, value = opt.partition("=")
        if not sep:
            raise InvalidArgument(f"invalid --log-opt {opt!r}", hint="use KEY=VALUE")
        if key not in JSON_FILE_OPTS:  # Docker's words
            raise InvalidArgument(f"unknown log opt '{key}' for {driver} log driver",
                                  hint="json-file takes " + ", ".join(JSON_FILE_OPTS))
        values[key] = value
    _check_log_templates(values)
    if "max-size" in values:
        parse_size(values["max-size"], "log max-size")
    if "max-file" in values and (not values["max-file"].isdigit() or int(values["max-file"]) < 1):
        raise InvalidArgument(f"invalid log max-file {values['max-file']!r}: must be a positive integer")
    if "max-file" in values and int(values["max-file"]) > 1 and "max-size" not in values:
        raise InvalidArgument("max-file cannot be given without max-size")
    return values


def _check_log_templates(values: dict[str, str]) -> None:
    """The regexes and the tag template fail at create, not in the shim."""
    if values.get("labels-regex") or values.get("env-regex"):
        import re

        for key in ("labels-regex", "env-regex"):
            try:
                re.compile(values.get(key, ""))
            except re.error as exc:
                raise InvalidArgument(f"invalid --log-opt {key}={values[key]!r}: {exc}") from None
    if values.get("tag"):
        from nerdpy.formatting.gotemplate import compile_template

        compile_template(values["tag"])


def parse_restart(text: str, auto_remove: bool) -> dict[str, Any]:
    name, _, count = (text or "no").partition(":")
    if name not in ("no", "always", "on-failure", "unless-stopped"):
        raise InvalidArgument(f"invalid restart policy {text!r}", hint="use no, always, on-failure[:N] or unless-stopped")
    if count and (name != "on-failure" or not count.isdigit()):
        raise InvalidArgument(f"invalid restart policy {text!r}: only on-failure takes a retry count")
    if auto_remove and name != "no":
        raise InvalidArgument("conflicting options: cannot specify both --restart and --rm")
    return {"Name": "" if name == "no" else name, "MaximumRetryCount": int(count or 0)}


def parse_signal(text: str) -> int:
    import _signal  # not `signal`: its enums cost `run` ~0.5 ms

    value = text.strip().upper()
    if value.isdigit():
        number = int(value)
    else:
        name = value if value.startswith("SIG") else "SIG" + value
        found = getattr(_signal, name, None)
        if not isinstance(found, int):
            raise InvalidArgument(f"invalid signal {text!r}")
        number = found
    if not 0 < number < 65:
        raise InvalidArgument(f"invalid signal {text!r}")
    return int(number)


def parse_labels(values: tuple[str, ...]) -> dict[str, str]:
    """KEY=VALUE items (labels, annotations, sysctls); a missing `=` means an empty value."""
    labels = {}
    for item in values:
        key, _, value = item.partition("=")
        if not key:
            raise InvalidArgument(f"invalid label {item!r}")
        labels[key] = value
    return labels
