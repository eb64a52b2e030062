from __future__ import annotations

import json

import pytest

from nerdpy.errors import InvalidArgument
from nerdpy.logs import format_time, format_time_fixed, parse_time
from nerdpy.logs.attributes import details_prefix, extra_attributes, tag
from nerdpy.logs.reader import parse_since, read_entries
from nerdpy.logs.writer import MAX_LINE, JsonFileWriter, encode_entry


def lines(path):
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_time_round_trip():
    ns = 1_700_000_000_123_456_700
    text = format_time(ns)
    assert text == "2023-11-14T22:13:20.1234567Z"
    # `logs -t` prints Docker's RFC3339NanoFixed: nine digits always, so columns line up
    assert format_time_fixed(ns) == "2023-11-14T22:13:20.123456700Z"
    assert format_time_fixed(1_700_000_000_000_000_000) == "2023-11-14T22:13:20.000000000Z"
    assert parse_time(text) == ns
    assert format_time(1_700_000_000_000_000_000) == "2023-11-14T22:13:20Z"
    assert parse_time("2023-11-14T23:13:20+01:00") == 1_700_000_000_000_000_000


def test_entry_format_is_dockers():
    entry = json.loads(encode_entry("stdout", "héllo \"q\"\n".encode(), 0))
    assert entry == {"log": "héllo \"q\"\n", "stream": "stdout", "time": "1970-01-01T00:00:00Z"}
    assert json.loads(encode_entry("stderr", b"\xff\n", 0))["log"] == "\ufffd\n"


def test_writer_frames_lines_per_stream(tmp_path):
    path = tmp_path / "c-json.log"
    writer = JsonFileWriter(str(path))
    writer.write("stdout", b"par")
    writer.write("stderr", b"err\n")
    writer.write("stdout", b"tial\nnext")
    writer.close()
    assert [(e["stream"], e["log"]) for e in lines(path)] == [("stderr", "err\n"), ("stdout", "partial\n"),
                                                               ("stdout", "next")]


def test_long_lines_are_split(tmp_path):
    path = tmp_path / "c-json.log"
    writer = JsonFileWriter(str(path))
    writer.write("stdout", b"x" * (MAX_LINE * 2 + 5) + b"\n")
    writer.close()
    assert [len(e["log"]) for e in lines(path)] == [MAX_LINE, MAX_LINE, 6]


def test_rotation_keeps_max_file(tmp_path):
    path = tmp_path / "c-json.log"
    writer = JsonFileWriter(str(path), max_size=300, max_file=3)
    for i in range(100):
        writer.write("stdout", f"line {i}\n".encode())
    writer.close()
    assert path.stat().st_size <= 300
    assert (tmp_path / "c-json.log.1").exists() and (tmp_path / "c-json.log.2").exists()
    assert not (tmp_path / "c-json.log.3").exists()
    entries = read_entries(str(path))
    assert entries[-1].data == b"line 99\n"
    assert [e.data for e in entries] == sorted([e.data for e in entries], key=lambda d: int(d.split()[1]))


def test_rotation_with_one_file_truncates(tmp_path):
    path = tmp_path / "c-json.log"
    writer = JsonFileWriter(str(path), max_size=200, max_file=1)
    for i in range(50):
        writer.write("stdout", f"line {i}\n".encode())
    writer.close()
    assert path.stat().st_size <= 200 and not (tmp_path / "c-json.log.1").exists()


def test_reader_tail_since_until_and_torn_lines(tmp_path):
    path = tmp_path / "c-json.log"
    with open(path, "wb") as handle:
        for i in range(5):
            handle.write(encode_entry("stdout", f"{i}\n".encode(), (i + 1) * 1_000_000_000))
        handle.write(b'{"log": "torn')
    assert [e.data for e in read_entries(str(path), tail=2)] == [b"3\n", b"4\n"]
    assert read_entries(str(path), tail=0) == []
    assert [e.data for e in read_entries(str(path), since_ns=3_000_000_000)] == [b"2\n", b"3\n", b"4\n"]
    assert [e.data for e in read_entries(str(path), until_ns=2_000_000_000)] == [b"0\n", b"1\n"]


def test_parse_since():
    now = 10_000 * 1_000_000_000
    assert parse_since("10s", now) == now - 10_000_000_000
    assert parse_since("1m30s", now) == now - 90_000_000_000
    assert parse_since("1700000000", now) == 1_700_000_000 * 1_000_000_000
    assert parse_since("2023-11-14T22:13:20Z", now) == 1_700_000_000 * 1_000_000_000
    assert parse_since("", now) == 0
    with pytest.raises(InvalidArgument, match='time or duration: "yesterday"$'):  # as typed, nothing appended
        parse_since("yesterday", now)


def test_attributes_from_log_opts_are_written_read_and_shown_as_docker():
    labels = {"com.ex": "v1", "com.other": "o", "plain": "p"}
    env = ["FOO=a b", "BAR=2", "BAZ=3", "NOVALUE"]
    assert extra_attributes({"labels": "com.ex,missing", "env": "FOO"}, labels, env) == {"com.ex": "v1", "FOO": "a b"}
    assert extra_attributes({"labels-regex": "^com", "env-regex": "^BA"}, labels, env) == {
        "com.ex": "v1", "com.other": "o", "BAR": "2", "BAZ": "3"}
    assert tag("{{.Name}}/{{.ID}}/{{.ImageName}}", "ab" * 32, "/web", "sha256:" + "cd" * 32, "busybox") == \
        "web/abababababab/busybox"
    assert details_prefix([("FOO", "a b"), ("tag", "x/y")]) == b"FOO=a+b,tag=x%2Fy "  # Go's url.QueryEscape
    assert details_prefix([]) == b" "


def test_writer_records_attrs_in_dockers_field_order(tmp_path):
    path = tmp_path / "c.log"
    writer = JsonFileWriter(str(path), attrs={"tag": "web", "FOO": "1"})
    writer.write("stdout", b"hi\n")
    raw = path.read_text()
    assert raw.startswith('{"log":"hi\\n","stream":"stdout","attrs":{"FOO":"1","tag":"web"},"time":"')
    [entry] = read_entries(str(path))
    assert entry.data == b"hi\n" and entry.attrs == (("FOO", "1"), ("tag", "web"))
    plain = tmp_path / "p.log"
    JsonFileWriter(str(plain)).write("stdout", b"x\n")
    assert '"attrs"' not in plain.read_text() and read_entries(str(plain))[0].attrs == ()
