"""Printing helpers for commands: `--format` handling and Docker-style tables."""

from __future__ import annotations

import json
import re

from nerdpy.errors import TemplateSyntaxError, TemplateUsageError
from nerdpy.formatting.gotemplate import compile_template, render, table_header

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Sequence


def render_template(template: str, data: Any) -> str:
    return render(template, data)


def check_usage_template(format: str | None) -> None:
    """inspect, version, info and events parse `--format` before anything else and
    refuse a bad one with Docker's 64; `json` is a format of theirs, not a template."""
    if not format or format == "json":
        return
    try:
        compile_template(format)
    except TemplateSyntaxError as exc:
        raise TemplateUsageError(exc.message) from None


def _header_for(row_template: str, headers: dict[str, str]) -> str:
    def name(match: re.Match) -> str:
        field = match.group(1)
        return headers.get(field, field.upper())

    return re.sub(r"\{\{\s*\.(\w+)\s*\}\}", name, row_template.replace("\\t", "\t"))


def print_rows(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    format: str | None = None,
    quiet_field: str | None = None,
    quiet: bool = False,
) -> list[str]:
    """Lines for a list command: Docker's columns, `-q`, `--format` (`table`, `json`, template)."""
    if quiet and quiet_field:
        return [str(row[quiet_field]) for row in rows]
    if format is not None and format.strip() == "table":  # Docker: the default table
        format = None
    if format in ("json", "{{json .}}"):
        return [json.dumps(row, separators=(",", ":"), ensure_ascii=False) for row in rows]  # Go never \u-escapes
    if format:
        compile_template(format)  # Docker parses it first: a bad one fails with no rows too
        row_template, is_table = table_header(format)
        lines = [render(row_template, row) for row in rows]
        if is_table:
            headers = dict(columns)
            header = _header_for(row_template, {k: v for k, v in headers.items()})
            return align([header.split("\t")] + [line.split("\t") for line in lines])
        return lines
    table = [[title for _, title in columns]]
    table += [[str(row.get(key, "")) for key, _ in columns] for row in rows]
    return align(table)


def align(table: Iterable[Sequence[str]], minwidth: int = 10) -> list[str]:
    """Columns padded like Docker's tabwriter: `NewWriter(out, 10, 1, 3, ' ', 0)`.

    A cell is its widest text plus three spaces, but never narrower than
    `minwidth` (padding included): `docker ps` prints `IMAGE     COMMAND`.
    """
    table = [list(r) for r in table]
    if not table:
        return []
    width = max(len(r) for r in table)
    sizes = [max(max((len(r[i]) for r in table if i < len(r)), default=0) + 3, minwidth)
             for i in range(width)]
    out = []
    for r in table:
        cells = [c.ljust(sizes[i]) if i < len(r) - 1 else c for i, c in enumerate(r)]
        out.append("".join(cells).rstrip())
    return out
