"""nerdpy.records: the dataclass surface nerdpy relies on, without dataclasses."""

import subprocess
import sys

import pytest

from nerdpy.records import FrozenInstanceError, asdict, field, fields, record, replace


@record
class Point:
    x: int
    y: int = 0
    tags: list = field(default_factory=list)
    note: str = field(default="", compare=False, repr=False)


@record
class Point3(Point):
    z: int = 5


@record(frozen=False)
class Box:
    items: list = field(default_factory=list)
    label: str = "box"


def test_positional_keyword_defaults_and_factories():
    p = Point(1, y=2)
    assert (p.x, p.y, p.tags, p.note) == (1, 2, [], "")
    assert Point(1).tags is not Point(1).tags  # a fresh list each time
    assert Point.y == 0  # the default stays readable on the class, as with dataclasses


def test_bad_arguments_are_type_errors():
    with pytest.raises(TypeError, match="missing required argument: 'x'"):
        Point()
    with pytest.raises(TypeError, match="'w'"):
        Point(1, w=3)
    with pytest.raises(TypeError, match="'x'"):
        Point(1, x=2)
    with pytest.raises(TypeError, match="takes 4 arguments"):
        Point(1, 2, [], "", 9)


def test_frozen_eq_hash_repr():
    p = Point(1, 2, note="a")
    with pytest.raises(FrozenInstanceError):
        p.x = 3
    with pytest.raises(AttributeError):
        del p.y
    assert p == Point(1, 2, note="b")  # note is compare=False
    assert p != Point(1, 3)
    assert p != Point3(1, 2)  # other class
    assert hash(Point(1, 2, tags=())) == hash(Point(1, 2, tags=()))
    assert repr(p) == "Point(x=1, y=2, tags=[])"


def test_inheritance_orders_fields_base_first():
    assert [f.name for f in fields(Point3)] == ["x", "y", "tags", "note", "z"]
    assert Point3(1, z=7).z == 7


def test_mutable_record_is_unhashable_and_assignable():
    box = Box()
    box.label = "crate"
    assert box.label == "crate"
    with pytest.raises(TypeError):
        hash(box)


def test_replace_and_asdict():
    p = Point3(1, tags=[Point(2)])
    q = replace(p, y=9)
    assert (q.x, q.y, q.z) == (1, 9, 5) and p.y == 0
    with pytest.raises(TypeError, match="no field 'w'"):
        replace(p, w=1)
    assert asdict(p) == {"x": 1, "y": 0, "tags": [{"x": 2, "y": 0, "tags": [], "note": ""}], "note": "", "z": 5}


def test_required_after_default_is_refused():
    with pytest.raises(TypeError, match="non-default field 'b'"):
        @record
        class Bad:
            a: int = 1
            b: int


def test_run_path_modules_do_not_import_heavy_modules():
    """The point of records: the run hot path never pays for dataclasses/inspect
    (nor typing, socket's enums, sqlite3's datetime adapters: ~6 ms together)."""
    code = ("import sys, nerdpy.cli.container_run, nerdpy.api.containers, nerdpy.containers.create, "
            "nerdpy.containers.start, nerdpy.network.attach, nerdpy.images.store, nerdpy.shim.client, "
            "nerdpy.snapshots.select, nerdpy.snapshots.overlay, nerdpy.containers.spec, nerdpy.containers.remove, "
            "nerdpy.containers.attach, nerdpy.containers.initlayer, nerdpy.oci.options, nerdpy.api.session;"
            "print(sorted(m for m in ('dataclasses', 'inspect', 'platformdirs', 'hashlib', 'shutil', 'subprocess', "
            "'tempfile', 'typing', 'socket', 'selectors', 'sqlite3', 'datetime', 'signal') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
