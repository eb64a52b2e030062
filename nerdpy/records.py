"""Records: typed value classes that are cheap to define.

Why not `dataclasses`: the `run` hot path defines about 30 record classes, and
`dataclasses` costs it twice — importing it pulls in inspect, ast and dis (~8 ms),
and every class compiles several methods with exec (~0.5 ms each). A record offers
the part of that surface nerdpy uses (positional or keyword construction with
defaults and factories, frozen by default, eq/hash/repr, `replace`, `asdict`,
`fields`) through one shared `__init__` and no code generation. Type checkers
treat `@record` as a dataclass (PEP 681 `dataclass_transform`).
"""

from __future__ import annotations

TYPE_CHECKING = False  # `typing` costs the run path ~3 ms; checkers see the real signatures
if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar, dataclass_transform, overload

    T = TypeVar("T")

_MISSING: Any = object()


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record."""


class Field:
    """One field of a record (what `field(...)` declares)."""

    __slots__ = ("name", "default", "factory", "compare", "hash", "repr")

    def __init__(self, default: Any = _MISSING, factory: Any = _MISSING, compare: bool = True,
                 hash: bool | None = None, repr: bool = True) -> None:  # noqa: A002 - dataclasses' names
        self.name = ""
        self.default = default
        self.factory = factory
        self.compare = compare
        self.hash = compare if hash is None else hash
        self.repr = repr

    @property
    def required(self) -> bool:
        return self.default is _MISSING and self.factory is _MISSING


def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] = _MISSING, compare: bool = True,
          hash: bool | None = None, repr: bool = True) -> Any:  # noqa: A002 - dataclasses' names
    """Declare a field with options, as `dataclasses.field`."""
    if default is not _MISSING and default_factory is not _MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, compare, hash, repr)


if TYPE_CHECKING:  # what type checkers see: a dataclass-like decorator (PEP 681)
    @overload
    def record(cls: type[T], /) -> type[T]: ...
    @overload
    def record(*, frozen: bool = True) -> Callable[[type[T]], type[T]]: ...
    @dataclass_transform(frozen_default=True, field_specifiers=(field,))
    def record(cls: Any = None, /, *, frozen: bool = True) -> Any: ...
else:
    def record(cls: Any = None, /, *, frozen: bool = True) -> Any:
        """Make `cls` a record: its annotated class attributes are its fields, in order."""

        def wrap(target: type[T]) -> type[T]:
            return _build(target, frozen)

        return wrap if cls is None else wrap(cls)


def _own_fields(cls: type) -> list[Field]:
    out = []
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if isinstance(annotation, str) and annotation.startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, _MISSING)
        declared = value if isinstance(value, Field) else Field(default=value)
        declared.name = name
        if isinstance(value, Field):
            if declared.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, declared.default)
        out.append(declared)
    return out


def _build(cls: Any, frozen: bool) -> Any:
    fields_by_name: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for inherited in base.__dict__.get("__record_fields__", ()):
            fields_by_name[inherited.name] = inherited
    for own in _own_fields(cls):
        fields_by_name[own.name] = own
    ordered = tuple(fields_by_name.values())
    seen_default = False
    for declared in ordered:
        if declared.required and seen_default:
            raise TypeError(f"non-default field {declared.name!r} follows a default field in {cls.__name__}")
        seen_default = seen_default or not declared.required
    cls.__record_fields__ = ordered
    setattr(cls, "__match_args__", tuple(f.name for f in ordered))  # mypy refuses assigning it even on Any
    cls.__init__ = _init
    for name, method in (("__repr__", _repr), ("__eq__", _eq)):
        if name not in cls.__dict__:
            setattr(cls, name, method)
    if frozen:
        cls.__setattr__ = _frozen_setattr
        cls.__delattr__ = _frozen_delattr
        if "__hash__" not in cls.__dict__ or cls.__dict__["__hash__"] is None:
            cls.__hash__ = _hash
    elif "__hash__" not in cls.__dict__:
        cls.__hash__ = None  # mutable and comparable: unhashable, as dataclasses
    return cls


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    declared = self.__record_fields__
    if len(args) > len(declared):
        raise TypeError(f"{type(self).__name__}() takes {len(declared)} arguments but {len(args)} were given")
    put = object.__setattr__
    for item, value in zip(declared, args):
        put(self, item.name, value)
    for item in declared[len(args):]:
        value = kwargs.pop(item.name, _MISSING)
        if value is _MISSING:
            if item.default is not _MISSING:
                value = item.default
            elif item.factory is not _MISSING:
                value = item.factory()
            else:
                raise TypeError(f"{type(self).__name__}() missing required argument: {item.name!r}")
        put(self, item.name, value)
    if kwargs:
        raise TypeError(f"{type(self).__name__}() got an unexpected or repeated argument: {next(iter(kwargs))!r}")


def _values(obj: Any, attr: str) -> tuple:
    return tuple(getattr(obj, f.name) for f in obj.__record_fields__ if getattr(f, attr))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self.__record_fields__ if f.repr)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self, "compare") == _values(other, "compare")


def _hash(self: Any) -> int:
    return hash(_values(self, "hash"))


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def is_record(obj: Any) -> bool:
    return hasattr(type(obj) if not isinstance(obj, type) else obj, "__record_fields__")


def fields(obj: Any) -> tuple[Field, ...]:
    """The fields of a record class or instance, in order."""
    if not is_record(obj):
        raise TypeError("fields() needs a record class or instance")
    return obj.__record_fields__


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record `obj` with some fields changed."""
    values = {f.name: getattr(obj, f.name) for f in fields(obj)}
    unknown = set(changes) - set(values)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {sorted(unknown)[0]!r}")
    values.update(changes)
    return type(obj)(**values)


def asdict(obj: Any) -> dict[str, Any]:
    """The record as a dict, recursing into records, lists, tuples and dicts."""
    if not is_record(obj) or isinstance(obj, type):
        raise TypeError("asdict() needs a record instance")
    return {f.name: _plain(getattr(obj, f.name)) for f in obj.__record_fields__}


def _plain(value: Any) -> Any:
    if is_record(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value) if not hasattr(value, "_fields") else \
            type(value)(*[_plain(v) for v in value])
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value
