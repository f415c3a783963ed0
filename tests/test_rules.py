"""One record per activation and loss: every registered activation through every consumer, one of
them registered here; user activations and losses from SymPy expressions; domains."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner
from conftest import assert_same_value, evaluate, random_point

from symchain import (
    ACTIVATIONS,
    LOSSES,
    Network,
    derive,
    register_activation,
    register_loss,
)
from symchain.activations import DisplayFunction, float_function, to_elementary
from symchain.cli import cli
from symchain.codegen import compile_matrix
from symchain.errors import SpecError
from symchain.forms.index import index_document
from symchain.forms.matrix import matrix_document
from symchain.markdown_blocks import render_markdown_blocks
from symchain.numeric import compare, compile_gradient, init_parameters, torch_gradients
from symchain.pairs import fits
from symchain.render import render_latex
from symchain.verify import check_claim

HAVE_JAX = importlib.util.find_spec("jax") is not None
REGISTERED = "softsign_t"  # registered by the fixture below, inside this module
NAMES = [*ACTIVATIONS, REGISTERED]


@pytest.fixture
def activation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The activation's name; the test one is registered for the test and removed after."""
    name = request.param
    if name == REGISTERED:
        monkeypatch.setitem(ACTIVATIONS, name, ACTIVATIONS.get("linear"))  # restored after
        register_activation(name, lambda z: z / (1 + sp.Abs(z)), text="softsign")
    yield name


def _network(
    name: str, loss: str = "squared_error", widths: tuple[int, ...] = (2, 3, 2)
) -> Network:
    act = ACTIVATIONS[name]
    names = (name, name) if act.elementwise else ("tanh", name)
    return Network.from_widths(widths, names, loss)


def _data(network: Network) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    return (init_parameters(network, seed=3), rng.normal(size=(6, 2)),
            rng.uniform(0.1, 0.9, size=(6, 2)))


@pytest.mark.parametrize("activation", NAMES, indirect=True)
def test_derivation_equals_sympy_diff(activation: str) -> None:
    # 2-3-2: a sum over j in every chain; the test evaluator decides Piecewise conditions from
    # its memo, so two piecewise layers (ELU, leaky ReLU) cost about a second.
    network = _network(activation)
    derivation = derive(network)
    composed = network.composed_loss()
    for gradient in derivation:
        assert_same_value(sp.diff(composed, gradient.parameter),
                          derivation.expanded(gradient.parameter))
    latex = render_latex(derivation)
    assert ACTIVATIONS[activation].latex in latex


@pytest.mark.parametrize("activation", NAMES, indirect=True)
def test_index_and_matrix_forms_name_it(activation: str) -> None:
    network = _network(activation)
    act = ACTIVATIONS[activation]
    spec = network.spec
    index = index_document(network.depth, spec.activations, spec.loss)
    for document in (index, matrix_document(network)):
        text = "\n".join(eq.unicode for section in document.sections for eq in section.equations)
        if not act.unicode:  # the identity: a = z
            assert "a⁽ᴸ⁾ = z⁽ᴸ⁾" in text or "a⁽ᴸ⁾ⱼ = z⁽ᴸ⁾ⱼ" in text
        elif act.elementwise or document is not index:
            assert f"{act.unicode}(z⁽ᴸ⁾" in text
        else:  # the index form writes softmax out: e^{z_j} / Σ_m e^{z_m}
            assert "a⁽ᴸ⁾ⱼ = exp(z⁽ᴸ⁾ⱼ)/" in text.replace(" / ", "/")


@pytest.mark.parametrize("activation", NAMES, indirect=True)
def test_compiled_gradient_equals_torch(activation: str) -> None:
    network = _network(activation)
    params, X, Y = _data(network)
    result = compile_gradient(derive(network))(params, X, Y)
    loss, reference = torch_gradients(network, params, X, Y)
    assert float(result.loss) == pytest.approx(loss, rel=1e-12)
    assert max(c.max_rel for c in compare(network, result.gradients, reference)) < 1e-10


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
@pytest.mark.parametrize("activation", NAMES, indirect=True)
def test_codegen_module_equals_compiled_gradient(activation: str, backend: str) -> None:
    network = _network(activation)
    params, X, Y = _data(network)
    expected = compile_gradient(derive(network))(params, X, Y)
    args: tuple[object, ...] = (params, X, Y)
    if backend == "torch":
        import torch

        args = ({k: torch.as_tensor(v) for k, v in params.items()}, torch.as_tensor(X),
                torch.as_tensor(Y))
    if backend == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
    loss, grads = compile_matrix(network, backend)(*args)
    assert float(loss) == pytest.approx(float(expected.loss), rel=1e-12)
    got = {k: np.asarray(v, dtype=np.float64) for k, v in grads.items()}
    assert max(c.max_rel for c in compare(network, got, expected.gradients)) < 1e-12


@pytest.mark.parametrize("activation", NAMES, indirect=True)
def test_verify_float_values_and_claims(activation: str) -> None:
    act = ACTIVATIONS[activation]
    if not act.elementwise:  # softmax has no σ(z) of one argument to claim about
        with pytest.raises(SpecError, match="not elementwise"):
            act.apply(sp.Symbol("z"))
        return
    z = sp.Symbol("z", real=True)
    for built in (act.apply(z), act.derivative(z)):
        function = float_function(type(built))
        if built.is_Atom or function is None:  # the identity and its derivative 1
            continue
        for value in (-2.5, 0.3, 1.7):
            exact = to_elementary(built).subs(z, value).evalf(30)
            assert function(value) == pytest.approx(float(exact), rel=1e-12, abs=1e-300)
    network = Network.from_widths((1, 1), activation, "squared_error")
    right = r"\frac{\partial C_0}{\partial b^{(L)}} = 2(a^{(L)} - y) \sigma'(z^{(L)})"
    assert check_claim(right, network).verdict == "holds"
    wrong = r"\frac{\partial C_0}{\partial b^{(L)}} = 2(a^{(L)} - y) \sigma(z^{(L)})"
    assert check_claim(wrong, network).verdict == "fails"


@pytest.mark.parametrize("activation", NAMES, indirect=True)
def test_docs_blocks_and_cli_accept_it(activation: str) -> None:
    network = _network(activation)
    names = ",".join(network.spec.activations)
    block = f"```symchain\nlayers: 2,3,2\nactivation: {names}\nshow: forward\n```\n"
    assert ACTIVATIONS[activation].latex in render_markdown_blocks(block)
    result = CliRunner().invoke(cli, ["derive", "--layers", "2,3,2", "--activation", names,
                                      "--format", "text"])
    assert result.exit_code == 0, result.output
    assert ACTIVATIONS[activation].unicode in result.output


# Your own activations and losses ------------------------------------------------------------
@pytest.fixture
def swish_log_cosh(monkeypatch: pytest.MonkeyPatch) -> Iterator[Network]:
    monkeypatch.setitem(ACTIVATIONS, "swish", ACTIVATIONS["linear"])
    monkeypatch.setitem(LOSSES, "log_cosh", LOSSES["squared_error"])
    register_activation("swish", lambda z: z / (1 + sp.exp(-z)))
    register_loss("log_cosh", lambda a, y: sp.log(sp.cosh(a - y)))
    yield Network.from_widths((2, 3, 2), ("swish", "swish"), "log_cosh")


def test_swish_and_log_cosh_from_python(swish_log_cosh: Network) -> None:
    network = swish_log_cosh
    derivation = derive(network)
    latex = render_latex(derivation)
    assert r"\operatorname{swish}'(z_{0}^{(L)})" in latex
    composed = network.composed_loss()
    for gradient in derivation:
        assert_same_value(sp.diff(composed, gradient.parameter),
                          derivation.expanded(gradient.parameter))
    params, X, Y = _data(network)
    X = X * 30  # saturated swish: e^{-z} would overflow if printed as written
    torch_loss, reference = torch_gradients(network, params, X, Y)
    with np.errstate(all="raise"):
        np.seterr(under="ignore")
        compiled = compile_gradient(derive(network))(params, X, Y)
        matrix = compile_matrix(network, "numpy")(params, X, Y)
    assert float(compiled.loss) == pytest.approx(torch_loss, rel=1e-12)
    assert float(matrix[0]) == pytest.approx(torch_loss, rel=1e-12)
    assert max(c.max_rel for c in compare(network, compiled.gradients, reference)) < 1e-10
    assert max(c.max_rel for c in compare(network, matrix[1], reference)) < 1e-10


def test_registration_refuses_bad_names_and_functions() -> None:
    with pytest.raises(SpecError, match="built in"):
        register_activation("sigmoid", lambda z: z)
    with pytest.raises(SpecError, match="not accepted"):
        register_activation("Bad Name", lambda z: z)
    with pytest.raises(SpecError, match="SymPy expression"):
        register_activation("plain", lambda z: 3.0)  # type: ignore[arg-type, return-value]
    with pytest.raises(SpecError, match="unknown symbols t"):
        register_loss("shifted", lambda a, y: (a - sp.Symbol("t")) ** 2)
    assert "plain" not in ACTIVATIONS and "shifted" not in LOSSES


# Domains ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("activation", "loss", "fit"),
    [("tanh", "binary_cross_entropy", "sigmoid"), ("linear", "binary_cross_entropy", "sigmoid"),
     ("softmax", "binary_cross_entropy", "sigmoid"), ("relu", "cross_entropy", "softmax")],
)
def test_outputs_outside_the_loss_domain_are_refused(activation: str, loss: str, fit: str) -> None:
    assert not fits(ACTIVATIONS[activation], LOSSES[loss])
    with pytest.raises(SpecError) as error:
        Network.from_widths((2, 2), activation, loss)
    message = str(error.value)
    assert f"output activation {activation}" in message and f"the loss {loss}" in message
    assert fit in message.split("fit")[1]
    result = CliRunner().invoke(cli, ["derive", "--layers", "2,2", "--activation", activation,
                                      "--loss", loss])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_every_built_in_pair_that_fits_is_accepted() -> None:
    for act in ACTIVATIONS.values():
        for loss in LOSSES.values():
            names = (act.name,) if act.elementwise else ("softmax",)
            if fits(act, loss):
                Network.from_widths((2, 2), names, loss.name)


# New built-ins against torch.nn.functional ----------------------------------------------------
TORCH_FUNCTIONS = {
    "gelu": lambda F, v: F.gelu(v),
    "silu": lambda F, v: F.silu(v),
    "leaky_relu": lambda F, v: F.leaky_relu(v, 0.01),
    "elu": lambda F, v: F.elu(v, alpha=1.0),
}


@pytest.mark.parametrize("name", sorted(TORCH_FUNCTIONS))
def test_new_activations_equal_torch_functional(name: str) -> None:
    import torch

    from symchain.kernels import namespace

    act = ACTIVATIONS[name]
    values = np.array([-1000.0, -30.0, -3.0, -0.5, 0.0, 0.25, 2.0, 30.0, 1000.0])
    kernels = namespace("numpy", act.own_kernels)
    with np.errstate(all="raise"):
        np.seterr(under="ignore")
        forward = kernels[f"_{act.kernel}"](values)
        backward = kernels[f"_{act.derivative_kernel}"](values)
    t = torch.tensor(values, requires_grad=True)
    out = TORCH_FUNCTIONS[name](torch.nn.functional, t)
    out.sum().backward()
    # torch's gelu gives 0 below about z = -28 where z Φ(z) is still 1e-196 (ours is exact, see
    # test_saturation.py): values that small are compared absolutely
    np.testing.assert_allclose(forward, out.detach().numpy(), rtol=1e-14, atol=1e-150)
    np.testing.assert_allclose(backward, t.grad.numpy(), rtol=1e-14, atol=1e-150)


def test_huber_equals_torch_huber_loss() -> None:
    import torch

    network = Network.from_widths((2, 3, 2), ("gelu", "linear"), "huber")
    params, X, _ = _data(network)
    Y = np.random.default_rng(2).normal(scale=3.0, size=(6, 2))  # both pieces of the loss
    result = compile_gradient(derive(network))(params, X, Y)
    out = torch.as_tensor(X)
    for layer in (1, 2):
        W, b = torch.as_tensor(params[f"W{layer}"]), torch.as_tensor(params[f"b{layer}"])
        out = out @ W.T + b
        out = torch.nn.functional.gelu(out) if layer == 1 else out
    expected = torch.nn.functional.huber_loss(out, torch.as_tensor(Y), reduction="sum",
                                              delta=1.0) / 6
    assert float(result.loss) == pytest.approx(float(expected), rel=1e-13)
    _, reference = torch_gradients(network, params, X, Y)
    assert max(c.max_rel for c in compare(network, result.gradients, reference)) < 1e-12


@pytest.mark.parametrize("activation", NAMES, indirect=True)
def test_sympy_printers_and_lambdify_of_each_gradient(activation: str) -> None:
    """str(), sympy.pretty and sympy.latex of a gradient write the lecture notation; lambdify
    through SymPy's Python, NumPy, SciPy, mpmath, JAX and PyTorch printers computes it."""
    network = _network(activation, widths=(1, 2, 1))
    u = sp.Symbol("u", real=True)
    # ∂C_0/∂w^(L-1)_00 in display form (σ'(z^(L-1)), δ of the next layer), and σ(u) beside it.
    gradient = derive(network)[network.w(1, 0, 0)].gradient
    if ACTIVATIONS[activation].elementwise:
        gradient += ACTIVATIONS[activation].apply(u)
    shown = gradient.atoms(DisplayFunction)
    if ACTIVATIONS[activation].unicode:
        assert shown
    for function in shown:
        cls = type(function)
        assert f"{cls.unicode_name}(" in str(gradient)
        assert f"{cls.unicode_name}(" in sp.pretty(gradient, use_unicode=True)
        assert cls.latex_name + r"\left(" in sp.latex(gradient)
        assert cls.__name__ not in str(gradient)
    symbols = sorted(gradient.free_symbols, key=lambda s: s.name)
    point = random_point(set(symbols), seed=3)
    expected = evaluate(to_elementary(gradient), point)
    values = [point[s] for s in symbols]
    for module in ("math", "mpmath", "numpy", "scipy", "torch", *(["jax"] * HAVE_JAX)):
        function = sp.lambdify(symbols, gradient, modules=module)
        if module == "torch":
            import torch

            got = float(function(*(torch.tensor(v, dtype=torch.float64) for v in values)))
        elif module == "jax":
            import jax

            jax.config.update("jax_enable_x64", True)
            got = float(function(*(jax.numpy.float64(v) for v in values)))
        else:
            got = float(function(*(np.float64(v) for v in values)))
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-14), module


def test_display_functions_print_through_sympy_and_lambdify() -> None:
    from symchain.activations import ReluPrime, Sigmoid, SigmoidPrime

    z = sp.Symbol("z", real=True)
    expr = SigmoidPrime(z) * Sigmoid(z) + ReluPrime(z)
    assert sp.latex(expr) == (r"\operatorname{ReLU}'\left(z\right) + \sigma\left(z\right) "
                              r"\sigma'\left(z\right)")
    assert sp.pretty(expr, use_unicode=True) == "ReLU'(z) + σ(z)⋅σ'(z)"
    assert str(expr) == "ReLU'(z) + σ(z)*σ'(z)"  # sympy.sstr, as str() of any SymPy expression
    assert sp.latex(ACTIVATIONS["gelu"].derivative(z)) == r"\operatorname{GELU}'\left(z\right)"
    values = np.array([-1.0, 0.0, 2.0])
    s = 1 / (1 + np.exp(-values))
    expected = s * (1 - s) * s + (values > 0)  # ReLU'(0) = 0
    np.testing.assert_allclose(sp.lambdify(z, expr, modules="numpy")(values), expected,
                               rtol=1e-15)


def _display_classes(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _display_classes(sub)


def test_float_values_equal_the_elementary_form_at_200_digits() -> None:
    """verify's float64 values of every display function (σ, GELU', ELU, ...) agree with the
    elementary form at 200 digits (mpmath), on both sides of every kink."""
    import mpmath

    from symchain.activations import DisplayFunction

    classes = list(_display_classes(DisplayFunction))
    assert len(classes) >= 14
    z = sp.Symbol("z", real=True)
    for cls in classes:
        # ReLU'(0) = 0 as in PyTorch (SymPy's Heaviside(0) is 1/2)
        form = cls.elementary(z).replace(sp.Heaviside, lambda u, *h: sp.Heaviside(u, 0))  # type: ignore[attr-defined]
        reference = sp.lambdify([z], form, modules="mpmath")
        for v in (-40.0, -3.0, -0.5, -1e-9, 0.0, 1e-9, 0.7, 2.5, 40.0):
            with mpmath.workdps(200):  # SymPy's 30-digit evalf cancels 1 - tanh(40)^2 to 0
                exact = float(reference(mpmath.mpf(v)))
            assert cls.float_value(v) == pytest.approx(exact, rel=1e-12, abs=1e-300), (cls, v)
