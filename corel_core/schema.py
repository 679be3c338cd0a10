"""Declare a setting once: a dataclass field whose metadata drives every way of setting it.

`setting(...)` is `dataclasses.field` plus metadata (help, label, unit, bounds, choices, widget
hint, form group, public name). `walk(cls)` turns a tree of such dataclasses into `Setting`
records, one per leaf field, from which validation (`check_fields`), the CLI flags, the URL
parameters and the Train form are all derived, in the spirit of scikit-learn's
`_parameter_constraints` and minGPT's `merge_from_args`.

Naming rule: a setting's public name is its field name (or the metadata's `name` where two
sections share a field name, e.g. `data.name` is `dataset`) with `_` written as `-`; the CLI flag
is `--<public name>` and the URL query parameter is `<public name>`.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import numbers
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

KINDS = ("str", "int", "float", "bool", "ints")
WIDGETS = ("select", "number", "text", "checkbox")
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")
_NONE = ("", "none")


class ConfigError(ValueError):
    """A configuration value a person typed, linked or loaded is not allowed."""


@dataclass(frozen=True)
class Interval:
    """Allowed range of a number: `low`/`high` (None = unbounded), each end closed or open."""

    low: float | None = None
    high: float | None = None
    closed: str = "both"  # "both", "left", "right" or "neither", as in scikit-learn's Interval

    def contains(self, value: float) -> bool:
        low_ok = self.low is None or (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        high_ok = self.high is None or (
            value <= self.high if self.closed in ("both", "right") else value < self.high
        )
        return low_ok and high_ok

    @property
    def widget_min(self) -> float | None:
        """The inclusive lower limit a number widget can enforce (None for an open end)."""
        return self.low if self.closed in ("both", "left") else None

    @property
    def widget_max(self) -> float | None:
        return self.high if self.closed in ("both", "right") else None

    def describe(self) -> str:
        """The rule in words, e.g. 'greater than 0' or 'in (0, 1)'."""
        left_closed = self.closed in ("both", "left")
        right_closed = self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            left, right = "[" if left_closed else "(", "]" if right_closed else ")"
            return f"in {left}{_num(self.low)}, {_num(self.high)}{right}"
        if self.low is not None:
            return f"{'at least' if left_closed else 'greater than'} {_num(self.low)}"
        if self.high is not None:
            return f"{'at most' if right_closed else 'less than'} {_num(self.high)}"
        return "any number"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def setting(
    default: Any = dataclasses.MISSING,
    *,
    help: str,
    label: str,
    unit: str = "",
    bounds: Interval | None = None,
    choices: tuple[str, ...] | None = None,
    widget: str | None = None,
    group: str | None = None,
    name: str | None = None,
) -> Any:
    """A dataclass field carrying its schema metadata (see the module docstring)."""
    if widget is not None and widget not in WIDGETS:
        raise TypeError(f"unknown widget hint {widget!r}")
    metadata = {
        "help": help,
        "label": label,
        "unit": unit,
        "bounds": bounds,
        "choices": choices,
        "widget": widget,
        "group": group,
        "name": name,
    }
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Setting:
    """One leaf field of a config tree with everything needed to set it from text or a widget."""

    path: tuple[str, ...]  # attribute path from the root, e.g. ("loss", "eta")
    name: str  # public name, e.g. "lambda-conn" (flag --lambda-conn, URL ?lambda-conn=)
    kind: str  # one of KINDS; "ints" is a tuple of ints written "256,128"
    optional: bool  # None allowed (written "" or "none")
    default: Any
    help: str
    label: str
    unit: str = ""
    bounds: Interval | None = None
    choices: tuple[str, ...] | None = None
    widget: str = "text"
    group: str = ""

    @property
    def flag(self) -> str:
        return f"--{self.name}"

    @property
    def key(self) -> str:
        """Dotted attribute path, e.g. 'loss.eta' (also the form's widget key after 'form.')."""
        return ".".join(self.path)

    def get(self, root: Any) -> Any:
        for part in self.path:
            root = getattr(root, part)
        return root

    def _fail(self, rule: str, value: Any) -> ConfigError:
        return ConfigError(f"{self.label} must be {rule}, not {value!r} (setting {self.name}).")

    def check(self, value: Any) -> Any:
        """`value` in canonical type (tuples, floats) if it obeys kind, choices and bounds."""
        if value is None:
            if self.optional:
                return None
            raise self._fail("set", value)
        if self.kind == "ints":
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
                raise self._fail("a list of whole numbers", value)
            items = tuple(self._number(v, int, value) for v in value)
            return items
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise self._fail("true or false", value)
            return value
        if self.kind == "str":
            if not isinstance(value, str):
                raise self._fail("text", value)
            if self.choices is not None and value not in self.choices:
                raise self._fail(f"one of {', '.join(self.choices)}", value)
            return value
        return self._number(value, int if self.kind == "int" else float, value)

    def _number(self, value: Any, cast: type, shown: Any) -> Any:
        wanted = numbers.Integral if cast is int else numbers.Real
        if isinstance(value, bool) or not isinstance(value, wanted):
            raise self._fail("a whole number" if cast is int else "a number", shown)
        number = cast(value)
        if cast is float and not math.isfinite(number):
            raise self._fail("a finite number", shown)
        if self.bounds is not None and not self.bounds.contains(number):
            each = "each entry " if self.kind == "ints" else ""
            raise self._fail(f"{each}{self.bounds.describe()}".strip(), shown)
        return number

    def parse(self, text: str) -> Any:
        """The value written as `text` (a CLI argument or URL parameter), checked."""
        text = str(text).strip()
        if self.optional and text.lower() in _NONE:
            return None
        try:
            if self.kind == "int":
                value: Any = int(text)
            elif self.kind == "float":
                value = float(text)
            elif self.kind == "ints":
                value = tuple(int(part) for part in text.split(",") if part.strip())
            elif self.kind == "bool":
                if text.lower() not in _TRUE + _FALSE:
                    raise ValueError(text)
                value = text.lower() in _TRUE
            else:
                value = text
        except ValueError:
            wanted = {
                "int": "a whole number",
                "float": "a number",
                "ints": "comma-separated whole numbers, e.g. 256,128",
                "bool": "true or false",
            }[self.kind]
            raise self._fail(wanted, text) from None
        return self.check(value)

    def format(self, value: Any) -> str:
        """`value` as text that `parse` reads back to the same value."""
        if value is None:
            return "none"
        if self.kind == "ints":
            return ",".join(str(v) for v in value)
        if self.kind == "bool":
            return "true" if value else "false"
        if self.kind == "float":
            return repr(float(value))
        return str(value)

    def describe(self) -> str:
        """Help text with unit, rule and choices, e.g. for `--help`."""
        parts = [self.help]
        if self.unit:
            parts.append(f"Unit: {self.unit}.")
        if self.bounds is not None:
            each = "each entry " if self.kind == "ints" else ""
            parts.append(f"Must be {each}{self.bounds.describe()}.")
        return " ".join(parts)


def _kind_of(hint: Any) -> tuple[str, bool]:
    """(kind, optional) of a resolved type hint such as `int | None` or `tuple[int, ...]`."""
    optional = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        (hint,) = args
    if typing.get_origin(hint) is tuple:
        return "ints", optional
    names = {str: "str", int: "int", float: "float", bool: "bool"}
    if hint not in names:
        raise TypeError(f"no schema kind for type {hint!r}")
    return names[hint], optional


@functools.cache
def fields_of(cls: type) -> tuple[Setting, ...]:
    """The settings of `cls`'s own leaf fields (not of nested dataclasses), paths relative to it."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            continue
        kind, optional = _kind_of(hint)
        meta = f.metadata
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = None
        choices = meta.get("choices")
        widget = meta.get("widget") or (
            "select"
            if choices
            else {"bool": "checkbox", "int": "number", "float": "number"}.get(kind, "text")
        )
        out.append(
            Setting(
                path=(f.name,),
                name=(meta.get("name") or f.name).replace("_", "-"),
                kind=kind,
                optional=optional,
                default=default,
                help=meta.get("help", ""),
                label=meta.get("label") or f.name,
                unit=meta.get("unit", ""),
                bounds=meta.get("bounds"),
                choices=choices,
                widget=widget,
                group=meta.get("group") or "",
            )
        )
    return tuple(out)


def walk(cls: type, prefix: tuple[str, ...] = ()) -> Iterator[Setting]:
    """Every leaf setting of the dataclass tree rooted at `cls`, in declaration order."""
    hints = typing.get_type_hints(cls)
    own = {s.path[0]: s for s in fields_of(cls)}
    for f in dataclasses.fields(cls):
        if f.name in own:
            yield dataclasses.replace(own[f.name], path=(*prefix, f.name))
        else:
            yield from walk(hints[f.name], (*prefix, f.name))


def check_fields(obj: Any) -> None:
    """Validate a frozen dataclass instance's own fields in place (call from `__post_init__`).

    Values are converted to their canonical type (lists to tuples, ints to floats where the
    field is a float); a value outside its kind, choices or bounds raises `ConfigError`.
    """
    for s in fields_of(type(obj)):
        value = getattr(obj, s.path[0])
        checked = s.check(value)
        if checked is not value:
            object.__setattr__(obj, s.path[0], checked)


def replace_settings(root: Any, values: Mapping[Setting, Any], *, parse: bool = False) -> Any:
    """Copy of the dataclass tree `root` with the given settings replaced (text when `parse`).

    All values of one section are replaced together, so rules tying two fields (branches must
    divide latent_dim) see the final values, whatever the order.
    """
    tree: dict[str, Any] = {}
    for s, value in values.items():
        node = tree
        for part in s.path[:-1]:
            node = node.setdefault(part, {})
        node[s.path[-1]] = s.parse(value) if parse else value
    return _apply(root, tree)


def _apply(obj: Any, tree: dict[str, Any]) -> Any:
    kwargs = {k: _apply(getattr(obj, k), v) if isinstance(v, dict) else v for k, v in tree.items()}
    return dataclasses.replace(obj, **kwargs)


def did_you_mean(name: str, names: Iterable[str]) -> str:
    """' Did you mean 'lambda-conn'?' for the closest of `names` (difflib), or ''."""
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.5)
    return f" Did you mean {close[0]!r}?" if close else ""
