"""Bodies of the image commands (typer-free, so `images` can take the fast path):
images/image ls, tag, rmi, image inspect, history, save, load, import, image prune."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from nerdpy.cli.state import CliState, entered
from nerdpy.errors import InvalidArgument, NotFound
from nerdpy.formatting.human import human_size, since

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _check_format(format: str | None) -> None:
    if format and format not in ("json", "table"):
        from nerdpy.formatting.gotemplate import compile_template

        compile_template(format)


def _short(image_id: str, no_trunc: bool) -> str:
    return image_id if no_trunc else image_id.split(":", 1)[-1][:12]


def _created_at(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S +0000 UTC") if ts else ""


def _rfc3339(ts: float) -> str:
    """Go's time.RFC3339 in local time: `history`'s CreatedAt (and its CREATED with -H=false)."""
    if not ts:
        return ""
    local = datetime.fromtimestamp(ts).astimezone()
    text = local.isoformat(timespec="seconds")
    return text[:-6] + "Z" if local.utcoffset() == timedelta(0) else text


def ls(cli: CliState, *, repository: str | None, all: bool, quiet: bool,
       digests: bool, no_trunc: bool, filter: list[str] | None,
       format: str | None) -> None:
    del all  # -a shows intermediate images; nerdpy has none (no builder parents), so every image is listed
    from nerdpy.api import images as api
    from nerdpy.cli.output import print_rows

    _check_format(format)
    filters = list(filter or [])
    if repository:
        filters.append(f"reference={repository}")
    rows = []
    for row in api.list_images(entered(cli), filters):
        image = row.image
        rows.append({
            "Repository": row.repository, "Tag": row.tag, "Digest": row.digest,
            "ID": _short(image.id, no_trunc), "CreatedSince": since(image.created_ts),
            "CreatedAt": _created_at(image.created_ts), "Size": human_size(image.size),
            "VirtualSize": human_size(image.size), "SharedSize": "N/A", "UniqueSize": "N/A", "Containers": "N/A",
        })
    columns = [("Repository", "REPOSITORY"), ("Tag", "TAG")]
    if digests:
        columns.append(("Digest", "DIGEST"))
    columns += [("ID", "IMAGE ID"), ("CreatedSince", "CREATED"), ("Size", "SIZE")]
    if format == "table":
        format = None
    elif format:  # every field's header, for `table {{.Digest}}\t{{.CreatedAt}}`
        columns = [("Repository", "REPOSITORY"), ("Tag", "TAG"), ("Digest", "DIGEST"), ("ID", "IMAGE ID"),
                   ("CreatedSince", "CREATED"), ("CreatedAt", "CREATED AT"), ("Size", "SIZE"),
                   ("VirtualSize", "VIRTUAL SIZE"), ("SharedSize", "SHARED SIZE"),
                   ("UniqueSize", "UNIQUE SIZE"), ("Containers", "CONTAINERS")]
    for line in print_rows(rows, columns, format, quiet_field="ID", quiet=quiet):
        print(line)


def tag(cli: CliState, *, source: str, target: str) -> None:
    from nerdpy.api import images as api

    api.tag(entered(cli), source, target)


def _each(refs: list[str], action: Any) -> int:
    """Run `action` per argument, as Docker does: report each failure and go on; exit 1
    at the end (Docker's CLI exits 1 for a daemon's refusal, an image in use among them)."""
    from nerdpy.cli.each import for_each

    return 1 if for_each(refs, action) else 0


def rmi(cli: CliState, *, images: list[str], force: bool, no_prune: bool) -> int:
    del no_prune  # untagged parents: nerdpy images have none, so nothing is pruned either way
    from nerdpy.api import images as api

    from nerdpy.cli.each import for_each
    from nerdpy.errors import NerdpyError, NotFound

    settings = entered(cli)
    fatal: list[NerdpyError] = []

    def remove(ref: str) -> None:
        try:
            for line in api.remove(settings, ref, force):
                print(line)
        except NerdpyError as exc:
            if not isinstance(exc, NotFound):
                fatal.append(exc)
            raise

    failed = for_each(images, remove)
    # docker/cli: with -f an image that does not exist is reported, but is no failure
    return 1 if failed and (fatal or not force) else 0


def inspect(cli: CliState, *, images: list[str], format: str | None) -> int:
    from nerdpy.api import images as api
    from nerdpy.cli.output import check_usage_template

    check_usage_template(format)
    settings = entered(cli)
    docs: list[dict[str, Any]] = []
    code = _each(images, lambda ref: docs.append(api.inspect(settings, ref)))
    from nerdpy.cli.each import inspect_lines

    for line in inspect_lines(docs, format):
        print(line)
    return code


def history(cli: CliState, *, image: str, human: bool, no_trunc: bool, quiet: bool,
            format: str | None) -> None:
    from nerdpy.api import images as api
    from nerdpy.cli.output import print_rows

    _check_format(format)
    rows = []
    for entry in api.history(entered(cli), image):
        created_by = entry["CreatedBy"].replace("\t", " ").replace("\n", " ")
        if not no_trunc and len(created_by) > 45:
            created_by = created_by[:44] + "…"
        rows.append({
            "ID": _short(entry["ID"], no_trunc) if entry["ID"] != "<missing>" else "<missing>",
            "CreatedSince": since(entry["Created"]) if human else _rfc3339(entry["Created"]),
            "CreatedAt": _rfc3339(entry["Created"]), "CreatedBy": created_by,
            "Size": human_size(entry["Size"]) if human else str(entry["Size"]), "Comment": entry["Comment"],
        })
    columns = [("ID", "IMAGE"), ("CreatedSince", "CREATED"), ("CreatedBy", "CREATED BY"), ("Size", "SIZE"),
               ("Comment", "COMMENT")]
    for line in print_rows(rows, columns, None if format == "table" else format, quiet_field="ID", quiet=quiet):
        print(line)


SAVE_FORMATS = ("docker-archive", "oci-archive", "oci-dir")


def save(cli: CliState, *, images: list[str], output: str | None, format: str) -> None:
    from nerdpy.api import images as api

    if format not in SAVE_FORMATS:
        raise InvalidArgument(f"unknown save format {format!r}", hint=f"use one of {', '.join(SAVE_FORMATS)}")
    settings = entered(cli)
    if format == "oci-dir":
        if not output:
            raise InvalidArgument("--format oci-dir needs -o DIRECTORY")
        api.save_dir(settings, api.select_for_save(settings, images), Path(output))
        return
    if not output and sys.stdout.isatty():
        raise InvalidArgument("cowardly refusing to save to a terminal", hint="use the -o flag or redirect")
    items = api.select_for_save(settings, images)
    if not output:
        sys.stdout.flush()
        api.save(settings, items, sys.stdout.buffer)
        return
    path = Path(output)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            api.save(settings, items, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except FileNotFoundError:
        raise NotFound(f"cannot write {output}: no such directory") from None
    except IsADirectoryError:
        raise InvalidArgument(f"cannot write {output}: is a directory") from None
    finally:
        if tmp.exists():
            tmp.unlink()


def load(cli: CliState, *, input: str | None, quiet: bool, platform: str | None) -> None:
    del quiet  # -q hides progress; nerdpy prints none, only the "Loaded image" lines Docker keeps
    from nerdpy.api import images as api
    from nerdpy.reference import familiar

    settings = entered(cli)
    if input:
        loaded = api.load(settings, Path(input), platform)
    else:
        if sys.stdin.isatty():
            raise InvalidArgument("requested load from stdin, but stdin is empty", hint="use -i FILE or pipe a tar in")
        loaded = api.load(settings, sys.stdin.buffer, platform)
    for item in loaded:
        for name, old_id in item.replaced:
            print(f"The image {familiar(name)} already exists, renaming the old one with ID {old_id} to empty string")
        if item.names:
            for name in item.names:
                print(f"Loaded image: {familiar(name)}")
        else:
            print(f"Loaded image ID: {item.image.id}")


def import_(cli: CliState, *, file: str, reference: str | None, change: list[str] | None,
            message: str, platform: str | None) -> None:
    from nerdpy.api import images as api

    settings = entered(cli)
    source: Any = sys.stdin.buffer if file == "-" else file
    image = api.import_image(settings, source, reference, list(change or []), platform, message)
    print(image.id)


def prune(cli: CliState, *, all: bool, force: bool, filter: list[str] | None) -> None:
    from nerdpy.api import images as api

    settings = entered(cli)
    if not force:
        what = "all images without at least one container associated to them" if all else "all dangling images"
        print(f"WARNING! This will remove {what}.\nAre you sure you want to continue? [y/N] ", end="", flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            print()
            return
    events, freed = api.prune(settings, all, list(filter or []))
    if events:
        print("Deleted Images:")
        for line in events:
            print(line)
        print()
    print(f"Total reclaimed space: {human_size(freed)}")
