"""Network specifications: widths, activations and loss, from options or a TOML file, validated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import kernels
from .activations import (
    ACTIVATIONS,
    BUILT_IN_ACTIVATIONS,
    check_name,
    expression_activation,
    get_activation,
)
from .errors import SpecError, TooLargeError
from .files import read_toml
from .limits import (
    MAX_LAYERS,
    MAX_NESTING,
    MAX_PARAMETERS,
    MAX_SPEC_BYTES,
    MAX_WIDTH,
    parameter_count,
)
from .losses import LOSSES, get_loss

SEED_WIDTHS = (1, 1, 1, 1)
SPEC_KEYS = ("layers", "activation", "loss", "notation", "activations")
# Keys of an activation defined in a spec file: [activations.<name>]
ACTIVATION_KEYS = ("formula", "latex", "text")


@dataclass(frozen=True)
class NetworkSpec:
    """What defines a network: widths n_0 (inputs) .. n_L, one activation per layer, a loss.

    Attributes:
        widths: layer widths including the inputs, e.g. ``(1, 1, 1, 1)``.
        activations: one activation name per layer 1..L.
        loss: the loss name.
    """

    widths: tuple[int, ...] = SEED_WIDTHS
    activations: tuple[str, ...] = ("sigmoid",) * (len(SEED_WIDTHS) - 1)
    loss: str = "squared_error"

    def __post_init__(self) -> None:
        validate_widths(self.widths)
        if len(self.activations) != len(self.widths) - 1:
            raise SpecError(
                f"{len(self.activations)} activations given for {len(self.widths) - 1} layers; "
                "give one name for all layers or one per layer"
            )
        for layer, name in enumerate(self.activations, start=1):
            if not get_activation(name).elementwise and layer != len(self.activations):
                raise SpecError(
                    f"activation {name!r} of layer {layer} acts on a whole layer and may only be "
                    f"the output activation (layer {len(self.activations)}); give one per layer, "
                    "e.g. --activation sigmoid,softmax"
                )
        get_loss(self.loss)

    @property
    def depth(self) -> int:
        return len(self.widths) - 1

    @property
    def parameter_count(self) -> int:
        return parameter_count(self.widths)

    @classmethod
    def build(
        cls,
        widths: tuple[int, ...] = SEED_WIDTHS,
        activation: str | tuple[str, ...] = "sigmoid",
        loss: str = "squared_error",
    ) -> NetworkSpec:
        """A spec where one activation name may stand for every layer."""
        validate_widths(widths)
        names = (activation,) * (len(widths) - 1) if isinstance(activation, str) else activation
        if len(names) == 1:
            names = names * (len(widths) - 1)
        return cls(tuple(widths), tuple(names), loss)


def validate_widths(widths: tuple[int, ...]) -> None:
    """Raise :class:`SpecError` unless the widths describe a network symchain can unroll."""
    if len(widths) < 2:
        raise SpecError(
            f"a network needs at least 2 widths (inputs and outputs), got {len(widths)}; "
            "e.g. --layers 1,1,1,1"
        )
    if len(widths) - 1 > MAX_LAYERS:
        raise SpecError(f"{len(widths) - 1} layers is too deep; at most {MAX_LAYERS} layers")
    for position, width in enumerate(widths):
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise SpecError(
                f"width {width!r} at position {position} is not a positive whole number; "
                "widths are integers from 1 to "
                f"{MAX_WIDTH}"
            )
        if width > MAX_WIDTH:
            raise SpecError(f"width {width} at position {position} exceeds {MAX_WIDTH}")



def check_unrolled_size(spec: NetworkSpec) -> None:
    """Raise :class:`TooLargeError` when a network is too large for the unrolled, per-neuron form.

    The index and matrix forms and the generated matrix code have no such limit.
    """
    check_parameter_count(spec.widths, MAX_PARAMETERS, "the unrolled form")


def check_parameter_count(
    widths: tuple[int, ...],
    limit: int,
    what: str,
    hint: str = "use a smaller network, --form matrix, or symchain codegen",
) -> None:
    """Raise :class:`TooLargeError` when a network of ``widths`` has more than ``limit``
    parameters; computed from the widths alone, before any symbol is built."""
    count = parameter_count(widths)
    if count > limit:
        raise TooLargeError(
            f"{count} parameters is too large for {what} (at most {limit}); {hint}"
        )


def parse_widths(text: str) -> tuple[int, ...]:
    """Widths from ``"2,3,2"``; a :class:`SpecError` says what is accepted."""
    parts = [part.strip() for part in text.split(",")]
    widths = []
    for part in parts:
        if not part.isdigit() or not part.isascii():
            raise SpecError(
                f"layer width {part!r} is not a positive whole number; "
                "give comma-separated widths including the inputs, e.g. 2,3,2"
            )
        widths.append(int(part))
    result = tuple(widths)
    validate_widths(result)
    return result


def parse_activations(text: str) -> tuple[str, ...]:
    """One activation name, or one per layer separated by commas."""
    names = tuple(part.strip() for part in text.split(","))
    for name in names:
        get_activation(name)
    return names


def define_activations(tables: object, source: str) -> None:
    """Register the activations a spec file defines, ``[activations.mish]`` with
    ``formula = 'z \\tanh(\\ln(1 + e^{z}))'`` (LaTeX in z, parsed by :mod:`symchain.formula`)
    and optionally ``latex`` and ``text`` (its name in formulas)."""
    if not isinstance(tables, dict):
        raise SpecError(
            f"{source}: 'activations' must hold tables, e.g. [activations.mish] with "
            "formula = 'z \\tanh(\\ln(1 + e^{z}))'"
        )
    for name, table in tables.items():
        where = f"{source}: [activations.{name}]"
        if not isinstance(table, dict):
            raise SpecError(f"{where} must be a table with formula = '...'")
        unknown = sorted(set(table) - set(ACTIVATION_KEYS))
        if unknown:
            raise SpecError(
                f"{where}: unknown key {unknown[0]!r}; accepted keys: {', '.join(ACTIVATION_KEYS)}"
            )
        if "formula" not in table:
            raise SpecError(f"{where}: missing key 'formula', e.g. formula = 'z \\tanh(z)'")
        for key in ("latex", "text"):
            if key in table and not isinstance(table[key], str):
                raise SpecError(f"{where}: '{key}' must be a string")
        check_name("activation", name, BUILT_IN_ACTIVATIONS)
        # imported here: the formula grammar (lark) is for spec files that define activations
        from .formula import parse_formula

        body = parse_formula(table["formula"], {"z": kernels.z}, f"{where} formula")
        ACTIVATIONS[name] = expression_activation(
            name, body, latex=table.get("latex"), text=table.get("text")
        )


def load_spec(path: Path) -> tuple[NetworkSpec, str | None]:
    """Read a TOML spec file; returns the spec and the notation it asks for (if any).

    The file holds ``layers = [2, 3, 2]`` and optionally ``activation`` (a name or a list with
    one per layer), ``loss`` and ``notation``; unknown keys are rejected.
    """
    data = read_toml(path, MAX_SPEC_BYTES, "spec file", MAX_NESTING)
    return spec_from_mapping(data, source=str(path))


def spec_from_mapping(data: dict[str, object], source: str) -> tuple[NetworkSpec, str | None]:
    """A spec from parsed TOML (or any mapping), validated key by key."""
    unknown = sorted(set(data) - set(SPEC_KEYS))
    if unknown:
        raise SpecError(
            f"{source}: unknown key {unknown[0]!r}; accepted keys: {', '.join(SPEC_KEYS)}"
        )
    define_activations(data.get("activations", {}), source)
    if "layers" not in data:
        raise SpecError(f"{source}: missing key 'layers', e.g. layers = [2, 3, 2]")
    layers = data["layers"]
    if not isinstance(layers, list) or not all(
        isinstance(w, int) and not isinstance(w, bool) for w in layers
    ):
        raise SpecError(f"{source}: 'layers' must be a list of whole numbers, e.g. [2, 3, 2]")
    widths = tuple(layers)
    validate_widths(widths)
    activation = data.get("activation", "sigmoid")
    if isinstance(activation, str):
        names: tuple[str, ...] = (activation,)
    elif isinstance(activation, list) and all(isinstance(a, str) for a in activation):
        names = tuple(activation)
    else:
        raise SpecError(
            f"{source}: 'activation' must be a name or a list of names; "
            f"known: {', '.join(ACTIVATIONS)}"
        )
    loss = data.get("loss", "squared_error")
    if not isinstance(loss, str):
        raise SpecError(f"{source}: 'loss' must be a name; known: {', '.join(LOSSES)}")
    notation = data.get("notation")
    if notation is not None and notation not in ("relative", "absolute"):
        raise SpecError(f"{source}: 'notation' must be 'relative' or 'absolute'")
    return NetworkSpec.build(widths, names, loss), notation  # type: ignore[arg-type]
