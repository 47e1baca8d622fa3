"""The matrix file: its schema, loading with one-line errors, and expansion into cells.

Expansion follows GitHub Actions matrix semantics: the cartesian product of the axes in file order,
then `exclude` (an entry drops every combination it matches, partially or fully), then `include`
(an entry that matches an existing combination adds nothing, since only axes may be named; one that
matches none adds a new combination, which must then set every axis).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ByteSize,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from harness.errors import MatrixError
from harness.safe_yaml import YamlInputError, decode_problem, dotted, load_yaml, read_text
from harness.units import parse_duration

Duration = Annotated[float, BeforeValidator(parse_duration)]
Scalar = str | int | float | bool

AXIS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RESERVED_NAMES = frozenset({"cell", "vars", "matrix_dir", "matrix_name"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{pattern!r} is not a valid regular expression ({exc})") from None
    return pattern


Regex = Annotated[str, BeforeValidator(lambda v: _compiles(v) if isinstance(v, str) else v)]


class HttpProbe(_Strict):
    """Ready when GET http://127.0.0.1:<published port><path> answers 2xx."""

    port: Annotated[int, Field(ge=1, le=65535)] | Literal["cell.port"] = Field(
        description="container port of the watched service, or cell.port: the host port the cell was given "
        "(network_mode: host, where the template passes {{ cell.port }} to the server)"
    )
    path: str = Field(default="/health", description="request path, e.g. /health or /v1/models")

    @field_validator("path")
    @classmethod
    def _absolute(cls, path: str) -> str:
        if not path.startswith("/"):
            raise ValueError("must start with '/'")
        return path


class ReadyRule(_Strict):
    """What `ready` means for the watched service; log and http may be combined (both must hold)."""

    log: Regex | None = Field(default=None, description="regex a log line must match")
    http: HttpProbe | None = None
    exit_code: int | None = Field(default=None, description="ready when the service exits with this code")

    @model_validator(mode="after")
    def _one_kind(self) -> ReadyRule:
        if self.log is None and self.http is None and self.exit_code is None:
            raise ValueError("set at least one of log, http or exit_code")
        if self.exit_code is not None and (self.log is not None or self.http is not None):
            raise ValueError("exit_code cannot be combined with log or http")
        return self


class SignatureSpec(_Strict):
    """A failure signature added by the matrix, or an override of a built-in one of the same name."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    patterns: list[Regex] = Field(min_length=1)
    rank: int | None = Field(
        default=None, description="lower is more specific; new signatures default to 0 (beat built-ins)"
    )


def _captures(pattern: str) -> str:
    if re.compile(pattern).groups < 1:
        raise ValueError(f"{pattern!r} has no capture group; wrap the value to record in ( )")
    return pattern


MetricRegex = Annotated[str, BeforeValidator(lambda v: _captures(_compiles(v)) if isinstance(v, str) else v)]
BUILTIN_COLUMNS = ("seconds",)


class TableSpec(_Strict):
    rows: list[str] = Field(default_factory=list)
    cols: list[str] = Field(default_factory=list)
    show: list[str] = Field(
        default_factory=list, description="metrics (or `seconds`) printed in each table cell beside the outcome"
    )


class ReportSpec(_Strict):
    """What `bisect report` shows beyond the table."""

    image_labels: list[str] = Field(
        default_factory=list, description="image labels to list besides org.opencontainers.image.*"
    )
    before: int = Field(default=15, ge=0, description="log lines shown before a matched line")
    after: int = Field(default=5, ge=0, description="log lines shown after a matched line")


class ResourcesSpec(_Strict):
    """The host's devices and how many each cell needs; cells that run side by side (`jobs`) get
    disjoint sets, which the template reads as `cell.devices`."""

    devices: list[int | str] | Literal["auto"] = Field(
        description="device ids as the runtime numbers them (e.g. [0, 1, 2, 3]; Level Zero order for Intel), "
        "or auto to ask nvidia-smi, xpu-smi or rocm-smi"
    )
    per_cell: int | str = Field(
        default=1, description="devices one cell needs: a number, or a template expression such as '{{ tp }}'"
    )
    custom: dict[str, int | str] = Field(
        default_factory=dict,
        description="with --ray: custom Ray resources one cell needs, e.g. {b50: '{{ tp }}'} for nodes started with "
        "--resources '{\"b50\": 4}' (pins cells to the nodes that have them)",
    )

    @field_validator("devices")
    @classmethod
    def _distinct(cls, devices: list[int | str] | str) -> list[int | str] | str:
        if isinstance(devices, list):
            names = [str(d) for d in devices]
            if not names:
                raise ValueError("list at least one device, or write auto")
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise ValueError(f"device {', '.join(repeated)} is listed twice")
        return devices


class MatrixSpec(_Strict):
    """The matrix file as written; see README 'Matrix file reference'."""

    name: str = Field(min_length=1)
    template: str = Field(min_length=1, description="compose template, relative to the matrix file")
    service: str | None = Field(default=None, description="service whose log decides the verdict")
    start: list[str] = Field(
        default_factory=list, description="more services to start besides the watched one and its dependencies"
    )
    profiles: list[str] = Field(default_factory=list, description="compose profiles whose services start too")
    env_files: list[str] = Field(
        default_factory=list,
        description="more files of values for ${VAR} in the template, relative to the matrix file "
        "(after the process environment and the template's .env)",
    )
    axes: dict[str, list[Scalar] | dict[str, Any]] = Field(min_length=1)
    exclude: list[dict[str, Scalar]] = Field(default_factory=list)
    include: list[dict[str, Scalar]] = Field(default_factory=list)
    vars: dict[str, Any] = Field(default_factory=dict)
    timeout: Duration = Field(default=1200.0, gt=0, description="per cell, e.g. 90s or 20m")
    settle: Duration = Field(default=5.0, ge=0, description="keep reading this long after a first verdict")
    ready: ReadyRule | None = None
    signatures: list[SignatureSpec] = Field(default_factory=list)
    table: TableSpec | None = None
    metrics: dict[str, MetricRegex] = Field(
        default_factory=dict, description="name -> regex; the first capture of the watched log is recorded"
    )
    secrets: list[str] = Field(
        default_factory=list,
        description="names (vars keys, environment names) whose values are secret, besides names like *_TOKEN",
    )
    report: ReportSpec = Field(default_factory=ReportSpec)
    repeats: int = Field(default=1, ge=1, le=1000, description="launches per cell; outcomes shown as k/N")
    jobs: int = Field(default=1, ge=1, le=256, description="cells run at once (on disjoint devices with resources)")
    resources: ResourcesSpec | None = None
    log_limit: ByteSize | None = Field(
        default=ByteSize(200_000_000),
        description="cap on a stored log (e.g. 200MB, 1GiB), keeping head and tail; null for no cap",
    )

    @field_validator("axes")
    @classmethod
    def _axes_are_usable(cls, axes: dict[str, list[Scalar] | dict[str, Any]]) -> dict[str, Any]:
        for name, values in axes.items():
            if not AXIS_NAME.fullmatch(name) or name in RESERVED_NAMES:
                raise ValueError(
                    f"axis name {name!r} must be an identifier (letters, digits, _) and not one of "
                    f"{', '.join(sorted(RESERVED_NAMES))}"
                )
            if not values:
                raise ValueError(f"axis {name!r} is empty; give it at least one value")
            if isinstance(values, list):
                labels = [_label(v) for v in values]
                duplicates = sorted({lab for lab in labels if labels.count(lab) > 1})
                if duplicates:
                    raise ValueError(f"axis {name!r} repeats {', '.join(duplicates)}")
        return axes

    @model_validator(mode="after")
    def _names_resolve(self) -> MatrixSpec:
        for name in self.vars:
            if name in self.axes:
                raise ValueError(f"vars.{name} has the name of an axis; rename one of them")
        for key in ("exclude", "include"):
            for index, entry in enumerate(getattr(self, key)):
                for axis, label in entry.items():
                    if axis not in self.axes:
                        raise ValueError(f"{key}[{index}] names unknown axis {axis!r}; axes are {', '.join(self.axes)}")
                    known = axis_labels(self.axes[axis])
                    if isinstance(self.axes[axis], dict) and _label(label) not in known:
                        raise ValueError(
                            f"{key}[{index}].{axis}: {label!r} is not a label of axis {axis!r} ({', '.join(known)})"
                        )
                    if key == "exclude" and _label(label) not in known:
                        raise ValueError(
                            f"exclude[{index}].{axis}: {label!r} is not a value of axis {axis!r} ({', '.join(known)})"
                        )
        if self.table is not None:
            for key in ("rows", "cols"):
                for axis in getattr(self.table, key):
                    if axis not in self.axes:
                        raise ValueError(f"table.{key} names unknown axis {axis!r}; axes are {', '.join(self.axes)}")
            for name in self.table.show:
                if name not in self.metrics and name not in BUILTIN_COLUMNS:
                    choices = ", ".join([*self.metrics, *BUILTIN_COLUMNS])
                    raise ValueError(f"table.show names unknown metric {name!r}; known: {choices}")
            overlap = set(self.table.rows) & set(self.table.cols)
            if overlap:
                raise ValueError(f"table: axis {', '.join(sorted(overlap))} is in both rows and cols")
        return self

    def table_layout(self) -> TableSpec:
        """Rows and columns of the outcome table; by default the last axis is the columns."""
        if self.table is not None and (self.table.rows or self.table.cols):
            return self.table
        rows, cols = default_table(list(self.axes))
        return TableSpec(rows=rows, cols=cols, show=self.table.show if self.table is not None else [])


def default_table(axes: Sequence[str]) -> tuple[list[str], list[str]]:
    """Rows and columns when nobody chose them: the last axis in columns, the others in rows (a single
    axis in rows). The one place this default lives, for runs, reports and comparisons."""
    names = list(axes)
    return names[:-1] or names, names[-1:] if len(names) > 1 else []


@dataclass(frozen=True)
class Matrix:
    """A validated matrix and where it came from, so relative paths resolve against its file."""

    spec: MatrixSpec
    path: Path
    template_path: Path
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)

    @property
    def directory(self) -> Path:
        return self.path.parent


@dataclass(frozen=True)
class Cell:
    """One combination of axis values: labels are what tables show, values what templates get."""

    id: str
    labels: Mapping[str, str]
    values: Mapping[str, Any]

    def describe(self) -> str:
        return ", ".join(f"{axis}={label}" for axis, label in self.labels.items())


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def axis_labels(values: Sequence[Any] | Mapping[str, Any]) -> list[str]:
    if isinstance(values, Mapping):
        return [str(key) for key in values]
    return [_label(v) for v in values]


def _format_location(loc: tuple[int | str, ...]) -> str:
    """`axes.tp[1]` from pydantic's location, leaving out union branch names like `list[...]`."""
    return dotted(tuple(part for part in loc if isinstance(part, int) or "[" not in part))


def _describe_validation_error(path: Path, exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    where = _format_location(tuple(first["loc"]))
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        model_fields = _fields_at(tuple(first["loc"])[:-1])
        message = "unknown key" + (f"; expected one of: {', '.join(model_fields)}" if model_fields else "")
    elif first["type"] == "missing":
        message = "required key is missing"
    elif "input" in first and first["type"] not in {"value_error", "assertion_error"}:
        message += f" (got {first['input']!r})"
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{path}: {where or 'top level'}: {message}{more}"


def _fields_at(loc: tuple[int | str, ...]) -> list[str]:
    model: type[BaseModel] = MatrixSpec
    nested: dict[str, type[BaseModel]] = {
        "ready": ReadyRule,
        "http": HttpProbe,
        "table": TableSpec,
        "signatures": SignatureSpec,
        "report": ReportSpec,
        "resources": ResourcesSpec,
    }
    for part in loc:
        if isinstance(part, str) and part in nested:
            model = nested[part]
    return list(model.model_fields)


def load_matrix(path: Path) -> Matrix:
    """Read and validate a matrix file; every problem is one MatrixError line naming file and key."""
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise MatrixError(f"{path}: no such matrix file") from None
    except IsADirectoryError:
        raise MatrixError(f"{path}: is a folder; name the matrix file in it") from None
    except UnicodeDecodeError as exc:
        raise MatrixError(f"{path}: {decode_problem(exc)}") from None
    except OSError as exc:
        raise MatrixError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        raw = load_yaml(text).data
    except YamlInputError as exc:
        raise MatrixError(f"{path}{exc.at()}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise MatrixError(f"{path}: top level must be a mapping with keys name, template, axes, ...")
    try:
        spec = MatrixSpec.model_validate(raw)
    except ValidationError as exc:
        raise MatrixError(_describe_validation_error(path, exc)) from None
    template_path = (path.parent / spec.template).resolve()
    if not template_path.is_file():
        raise MatrixError(
            f"{path}: template: {spec.template} not found (looked for {template_path}); "
            "the path is relative to the matrix file"
        )
    return Matrix(spec=spec, path=path.resolve(), template_path=template_path, raw=raw)


def _slug(text: str, limit: int = 32) -> str:
    repository, _, name = text.rpartition("/")
    if repository and ":" in name:
        text = name
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.")
    return slug[:limit].strip("-.") or "x"


MAX_READABLE_ID = 150


def cell_id(labels: Mapping[str, str]) -> str:
    """Readable, filesystem-safe and stable: `axis-label` parts plus a hash of the exact labels."""
    digest = hashlib.sha256(json.dumps(sorted(labels.items())).encode()).hexdigest()[:6]
    readable = "_".join(f"{_slug(axis, 12)}-{_slug(label)}" for axis, label in labels.items())
    return readable[:MAX_READABLE_ID].rstrip("-_.") + f"_{digest}"


def _value_for(axes: Mapping[str, Any], axis: str, label: str, given: Any = None) -> Any:
    """The template value behind a label; a value only an include names is used as written."""
    values = axes[axis]
    if isinstance(values, Mapping):
        return values[label]
    for value in values:
        if _label(value) == label:
            return value
    return label if given is None else given


def expand(spec: MatrixSpec, origin: Path | str = "matrix") -> list[Cell]:
    """All cells of the matrix in a stable order: product, minus exclude, plus include."""
    axes = spec.axes
    names = list(axes)
    combos: list[dict[str, str]] = [
        dict(zip(names, labels, strict=True)) for labels in itertools.product(*(axis_labels(axes[n]) for n in names))
    ]

    def matches(combo: Mapping[str, str], entry: Mapping[str, Scalar]) -> bool:
        return all(combo.get(axis) == _label(label) for axis, label in entry.items())

    combos = [c for c in combos if not any(matches(c, entry) for entry in spec.exclude)]
    originals = list(combos)
    included_values: dict[int, dict[str, Any]] = {}
    for index, entry in enumerate(spec.include):
        if any(matches(c, entry) for c in originals):
            continue
        missing = [n for n in names if n not in entry]
        if missing:
            raise MatrixError(
                f"{origin}: include[{index}] matches no cell, so it adds a new one, but it does not set "
                f"{', '.join(missing)}; set every axis or match an existing cell"
            )
        combos.append({n: _label(entry[n]) for n in names})
        included_values[len(combos) - 1] = {n: _value_for(axes, n, _label(entry[n]), entry[n]) for n in names}
    cells: list[Cell] = []
    seen: set[str] = set()
    for index, combo in enumerate(combos):
        identifier = cell_id(combo)
        if identifier in seen:
            continue
        seen.add(identifier)
        values = included_values.get(index) or {axis: _value_for(axes, axis, label) for axis, label in combo.items()}
        cells.append(Cell(id=identifier, labels=combo, values=values))
    if not cells:
        raise MatrixError(f"{origin}: no cells are left after exclude; loosen exclude or add values")
    return cells


def matrix_json_schema() -> dict[str, Any]:
    """JSON Schema of the matrix file, for editors (`bisect schema`)."""
    return MatrixSpec.model_json_schema()
