"""Compiled gradients against finite differences, torch autograd and the symbolic derivation."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from conftest import evaluate
from tools import require

from symchain import Network, derive, kernels
from symchain.activations import ACTIVATIONS
from symchain.numeric import (
    NumericError,
    backend_available,
    compare,
    compile_gradient,
    finite_differences,
    init_parameters,
    lambdify,
    torch_gradients,
)
from symchain.pairs import PAIRS

# Every activation and loss, several widths and depths (BCE needs outputs in (0, 1): sigmoid).
NETWORKS = [
    ((1, 1, 1, 1), "sigmoid", "squared_error"),
    ((2, 3, 2), "tanh", "half_squared_error"),
    ((3, 4, 1, 2), ("relu", "softplus", "linear"), "squared_error"),
    ((2, 5, 3), ("softplus", "sigmoid"), "binary_cross_entropy"),
    ((4, 3, 3, 1), ("linear", "tanh", "sigmoid"), "binary_cross_entropy"),
    ((3, 2, 4, 2), ("sigmoid", "relu", "tanh"), "half_squared_error"),
    ((2, 6, 2), ("relu", "softplus"), "half_squared_error"),
    ((2, 3, 3), ("sigmoid", "softmax"), "cross_entropy"),
    ((3, 4, 1, 2), ("tanh", "relu", "softmax"), "cross_entropy"),
    ((2, 2), "softmax", "squared_error"),
]
IDS = [
    "-".join(map(str, w)) + f"-{a if isinstance(a, str) else '/'.join(a)}-{c}"
    for w, a, c in NETWORKS
]


def batch(network: Network, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(size, network.widths[0]))
    y = rng.uniform(size=(size, network.widths[-1]))
    return x, y


def max_rel(network: Network, tested: dict, reference: dict) -> float:
    return max(c.max_rel for c in compare(network, tested, reference))


@pytest.mark.parametrize(("widths", "activation", "loss"), NETWORKS, ids=IDS)
@pytest.mark.parametrize("size", [1, 17])
def test_compiled_gradient_matches_finite_differences_and_torch(
    widths: tuple[int, ...], activation: str, loss: str, size: int
) -> None:
    network = Network.from_widths(widths, activation, loss)
    gradient = compile_gradient(derive(network))
    params = init_parameters(network, seed=size)
    x, y = batch(network, size, seed=len(widths))
    result = gradient(params, x, y)
    assert set(result.gradients) == set(params)
    for name, value in result.gradients.items():
        assert value.shape == params[name].shape
    assert max_rel(network, result.gradients, finite_differences(gradient, params, x, y)) < 1e-6
    require(backend_available("torch"), "torch is not installed")
    loss_value, reference = torch_gradients(network, params, x, y)
    assert float(result.loss) == pytest.approx(loss_value, rel=1e-12)
    assert max_rel(network, result.gradients, reference) < 1e-10


@pytest.mark.parametrize(
    ("widths", "activation", "loss"),
    [
        ((1, 1, 1, 1), "sigmoid", "squared_error"),
        ((2, 3, 2), ("tanh", "sigmoid"), "binary_cross_entropy"),
        ((2, 2, 1), ("softplus", "sigmoid"), "half_squared_error"),
    ],
)
def test_compiled_gradient_matches_the_expanded_symbolic_gradient(
    widths: tuple[int, ...], activation: str, loss: str
) -> None:
    network = Network.from_widths(widths, activation, loss)
    derivation = derive(network)
    gradient = compile_gradient(derivation)
    params = init_parameters(network, seed=3)
    x, y = batch(network, 3, seed=4)
    if loss == "binary_cross_entropy":
        x = x * 0.5
    samples = gradient.per_sample(params, x, y)
    for i in range(x.shape[0]):
        point = {s: float(x[i, k]) for k, s in enumerate(network.inputs)}
        point |= {s: float(y[i, j]) for j, s in enumerate(network.targets)}
        for symbol in network.parameters:
            label = derivation[symbol].label
            if label.kind.value == "w":
                point[symbol] = float(params[f"W{label.layer}"][label.j, label.k])
            else:
                point[symbol] = float(params[f"b{label.layer}"][label.j])
        assert float(samples.losses[i]) == pytest.approx(
            evaluate(derivation.expanded_loss(), point), rel=1e-12
        )
        for symbol in network.parameters:
            label = derivation[symbol].label
            expected = evaluate(derivation.expanded(symbol), point)
            name = f"{'W' if label.kind.value == 'w' else 'b'}{label.layer}"
            index = (i, label.j, label.k) if name.startswith("W") else (i, label.j)
            assert float(samples.gradients[name][index]) == pytest.approx(
                expected, rel=1e-10, abs=1e-14
            )


@pytest.mark.parametrize(("widths", "activation", "loss"), NETWORKS, ids=IDS)
def test_stacked_and_per_neuron_code_agree(
    widths: tuple[int, ...], activation: str, loss: str
) -> None:
    network = Network.from_widths(widths, activation, loss)
    derivation = derive(network)
    stacked = compile_gradient(derivation)
    per_neuron = compile_gradient(derivation, stacked=False)
    assert stacked.stacked and not per_neuron.stacked
    assert ".dot(" in stacked.source and ".dot(" not in per_neuron.source  # NumPy products
    params = init_parameters(network, seed=11)
    x, y = batch(network, 17, seed=12)
    one, other = stacked(params, x, y), per_neuron(params, x, y)
    assert float(one.loss) == pytest.approx(float(other.loss), rel=1e-13)
    assert max_rel(network, one.gradients, other.gradients) < 1e-13


def test_batch_gradient_is_the_mean_of_per_sample_gradients() -> None:
    network = Network.from_widths((3, 4, 2), "sigmoid", "squared_error")
    gradient = compile_gradient(derive(network))
    params = init_parameters(network, seed=0)
    x, y = batch(network, 9, seed=1)
    mean, samples = gradient(params, x, y), gradient.per_sample(params, x, y)
    assert float(mean.loss) == pytest.approx(float(samples.losses.mean()), rel=1e-14)
    for name in params:
        np.testing.assert_allclose(mean.gradients[name], samples.gradients[name].mean(0), 1e-13)
    assert "for " not in gradient.source  # vectorized: no Python loop over samples


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_large_batches_in_blocks_give_the_same_mean(backend: str) -> None:
    require(backend_available(backend), f"{backend} is not installed")
    network = Network.from_widths((3, 5, 2), ("tanh", "sigmoid"), "binary_cross_entropy")
    gradient = compile_gradient(derive(network), backend=backend)
    params = init_parameters(network, seed=2)
    x, y = batch(network, 2500, seed=3)
    whole = gradient(params, x, y)
    gradient.block_rows = 1024  # blocks of 1024, 1024 and 452 samples
    blocks = gradient(params, x, y)
    samples = gradient.per_sample(params, x, y)
    assert float(blocks.loss) == pytest.approx(float(whole.loss), rel=1e-13)
    assert float(blocks.loss) == pytest.approx(float(samples.losses.mean()), rel=1e-13)
    for name in params:
        np.testing.assert_allclose(
            np.asarray(blocks.gradients[name]), np.asarray(whole.gradients[name]), rtol=1e-12
        )
        np.testing.assert_allclose(
            np.asarray(blocks.gradients[name]),
            np.asarray(samples.gradients[name].mean(0)),
            rtol=1e-12,
        )


def _one_neuron(activation: str, loss: str, dtype: str = "float64") -> object:
    network = Network.from_widths((1, 1), activation, loss)
    return compile_gradient(derive(network), dtype=dtype)


EXTREME_X = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0], [0.0]])
EXTREME_Y = np.array([[1.0], [0.0], [0.0], [1.0], [1.0]])
UNIT = {"W1": np.array([[1.0]]), "b1": np.array([0.0])}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sigmoid_bce_is_exact_at_saturation_and_extreme_targets(dtype: str) -> None:
    gradient = _one_neuron("sigmoid", "binary_cross_entropy", dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        samples = gradient.per_sample(UNIT, EXTREME_X, EXTREME_Y)  # type: ignore[attr-defined]
    # C_i = softplus(z) - y z; dC_i/dz = σ(z) - y (no 0/0 where σ'(z) underflows).
    np.testing.assert_allclose(samples.losses, [0.0, 0.0, 1000.0, 1000.0, np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(samples.gradients["b1"][:, 0], [0.0, 0.0, 1.0, -1.0, -0.5])
    np.testing.assert_allclose(
        samples.gradients["W1"][:, 0, 0], [0.0, 0.0, 1000.0, 1000.0, 0.0], rtol=1e-6
    )
    assert samples.losses.dtype == np.dtype(dtype)


@pytest.mark.parametrize(
    ("activation", "loss", "loss_values", "bias_gradients"),
    [
        # (a - y)^2 with a = σ(±1000) = 1, 0: σ'(z) = 0 there, so the gradient is exactly 0.
        ("sigmoid", "squared_error", [0, 0, 1, 1, 0.25], [0, 0, 0, 0, -0.25]),
        # softplus(1000) = 1000, softplus'(1000) = σ(1000) = 1, softplus(-1000) = 0.
        (
            "softplus",
            "half_squared_error",
            [0.5 * 999**2, 0, 0.5e6, 0.5, 0.5 * (np.log(2) - 1) ** 2],
            [999, 0, 1000, 0, 0.5 * (np.log(2) - 1)],
        ),
        ("tanh", "half_squared_error", [0, 0.5, 0.5, 2, 0.5], [0, 0, 0, 0, -1]),
        # ReLU'(0) = 0 as in PyTorch: the last sample (z = 0) contributes nothing.
        ("relu", "squared_error", [999**2, 0, 1e6, 1, 1], [2 * 999, 0, 2000, 0, 0]),
    ],
)
def test_activations_are_finite_and_correct_at_z_plus_minus_1000(
    activation: str, loss: str, loss_values: list[float], bias_gradients: list[float]
) -> None:
    gradient = _one_neuron(activation, loss)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        samples = gradient.per_sample(UNIT, EXTREME_X, EXTREME_Y)  # type: ignore[attr-defined]
    np.testing.assert_allclose(samples.losses, loss_values, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(samples.gradients["b1"][:, 0], bias_gradients, rtol=1e-12)


def test_softmax_cross_entropy_is_exact_at_z_plus_minus_1000() -> None:
    network = Network.from_widths((1, 3), "softmax", "cross_entropy")
    gradient = compile_gradient(derive(network))
    params = {"W1": np.array([[1000.0], [0.0], [-1000.0]]), "b1": np.zeros(3)}
    x = np.array([[1.0], [-1.0], [1.0]])
    y = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        samples = gradient.per_sample(params, x, y)
    # C_i = logsumexp(z) - z_target: 2000 for the two wrong answers, 0 for the right one.
    np.testing.assert_allclose(samples.losses, [2000.0, 2000.0, 0.0], atol=1e-12)
    # δ_j = a_j - y_j with a exactly one-hot.
    np.testing.assert_allclose(samples.gradients["b1"], [[1, 0, -1], [-1, 0, 1], [0, 0, 0]])


def test_bce_with_a_saturated_hidden_layer_stays_finite() -> None:
    network = Network.from_widths((1, 2, 1), ("sigmoid", "sigmoid"), "binary_cross_entropy")
    gradient = compile_gradient(derive(network))
    params = {
        "W1": np.array([[1000.0], [-1000.0]]),
        "b1": np.zeros(2),
        "W2": np.array([[1000.0, -1000.0]]),
        "b2": np.array([0.0]),
    }
    x, y = np.array([[1.0], [-1.0]]), np.array([[0.0], [1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = gradient(params, x, y)
    assert np.isfinite(float(result.loss))
    assert float(result.loss) == pytest.approx(1000.0)
    assert all(np.all(np.isfinite(g)) for g in result.gradients.values())
    np.testing.assert_allclose(result.gradients["W2"], [[0.5, -0.5]])


def test_float32_on_request() -> None:
    network = Network.from_widths((3, 4, 2), "tanh", "squared_error")
    derivation = derive(network)
    params = init_parameters(network, seed=0)
    x, y = batch(network, 17, seed=0)
    single = compile_gradient(derivation, dtype="float32")(params, x, y)
    double = compile_gradient(derivation)(params, x, y)
    assert single.loss.dtype == np.float32
    assert double.loss.dtype == np.float64
    for name in params:
        assert single.gradients[name].dtype == np.float32
    assert max_rel(network, single.gradients, double.gradients) < 1e-5


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize(
    ("widths", "activation", "loss"),
    [
        ((2, 3, 2), ("relu", "sigmoid"), "binary_cross_entropy"),
        ((2, 4, 1, 3), ("tanh", "softplus", "softmax"), "cross_entropy"),
    ],
)
def test_torch_and_jax_backends_return_their_arrays_and_agree(
    backend: str, widths: tuple[int, ...], activation: tuple[str, ...], loss: str
) -> None:
    require(backend_available(backend), f"{backend} is not installed")
    if backend == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
    network = Network.from_widths(widths, activation, loss)
    derivation = derive(network)
    params = init_parameters(network, seed=0)
    x, y = batch(network, 17, seed=0)
    expected = compile_gradient(derivation)(params, x, y)
    compiled = compile_gradient(derivation, backend=backend)
    result = compiled(params, x, y)
    assert type(result.loss).__module__.split(".")[0] in {"torch", "jax", "jaxlib"}
    gradients = {name: np.asarray(value) for name, value in result.gradients.items()}
    assert float(result.loss) == pytest.approx(float(expected.loss), rel=1e-12)
    assert max_rel(network, gradients, expected.gradients) < 1e-12
    samples = compiled.per_sample(params, x, y)
    assert tuple(samples.gradients["W1"].shape) == (17, *params["W1"].shape)
    single = compile_gradient(derivation, backend=backend, dtype="float32")(params, x, y)
    assert "float32" in str(single.gradients["W1"].dtype)


def test_lambdify_accepts_a_network() -> None:
    network = Network.from_widths((2, 2, 1))
    params = init_parameters(network, seed=5)
    x, y = batch(network, 4, seed=5)
    result = lambdify(network)(params, x, y)
    expected = compile_gradient(derive(network))(params, x, y)
    assert float(result.loss) == float(expected.loss)


def test_init_parameters_follow_nn_linear_bounds_and_are_reproducible() -> None:
    network = Network.from_widths((16, 4, 1))
    first, again = init_parameters(network, seed=7), init_parameters(network, seed=7)
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert not np.array_equal(first["W1"], init_parameters(network, seed=8)["W1"])
    assert first["W1"].shape == (4, 16) and first["b2"].shape == (1,)
    assert np.abs(first["W1"]).max() <= 0.25 and np.abs(first["W2"]).max() <= 0.5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.pop("b1"), "b1"),
        (lambda p: p.update(W1=np.zeros((2, 2))), "W1 has shape (2, 2); expected (3, 2)"),
        (lambda p: p.update(W9=np.zeros(1)), "unknown parameters W9"),
    ],
)
def test_bad_parameters_raise_clear_errors(change: object, message: str) -> None:
    network = Network.from_widths((2, 3, 1))
    gradient = compile_gradient(derive(network))
    params = init_parameters(network, seed=0)
    change(params)  # type: ignore[operator]
    with pytest.raises(NumericError, match=message.replace("(", r"\(").replace(")", r"\)")):
        gradient(params, np.zeros((2, 2)), np.zeros((2, 1)))


def test_bad_batches_options_and_partial_derivations_raise() -> None:
    network = Network.from_widths((2, 3, 1))
    derivation = derive(network)
    gradient = compile_gradient(derivation)
    params = init_parameters(network, seed=0)
    with pytest.raises(NumericError, match="X has shape"):
        gradient(params, np.zeros((2, 3)), np.zeros((2, 1)))
    with pytest.raises(NumericError, match="Y has shape"):
        gradient(params, np.zeros((2, 2)), np.zeros((3, 1)))
    with pytest.raises(NumericError, match="unknown backend 'mxnet'; known: numpy, torch, jax"):
        compile_gradient(derivation, backend="mxnet")
    with pytest.raises(NumericError, match="unknown dtype"):
        compile_gradient(derivation, dtype="float16")
    with pytest.raises(NumericError, match="every parameter"):
        compile_gradient(derive(network, (network.w(1, 0, 0),)))


# Joint kernels (σ with σ', a fused pair's loss with its δ) against the kernels they fuse.
_Z = np.array([-1000.0, -800.0, -150.0, -40.0, -3.0, -1e-300, -0.0, 0.0, 1e-300, 2.0, 40.0, 800.0])
_JOINT_ACTIVATIONS = [a for a in ACTIVATIONS.values() if a.joint_kernel]
_JOINT_PAIRS = [p for p in PAIRS.values() if p.joint_kernel]


@pytest.mark.parametrize("activation", _JOINT_ACTIVATIONS, ids=lambda a: a.name)
def test_joint_activation_kernel_gives_the_kernel_and_its_derivative(activation: Any) -> None:
    scope = kernels.namespace("numpy")
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        value, prime = scope[f"_{activation.joint_kernel}"](_Z)
        assert np.array_equal(value, scope[f"_{activation.kernel}"](_Z))
        assert np.array_equal(prime, scope[f"_{activation.derivative_kernel}"](_Z))
    assert np.all((value >= 0) & (value <= 1)) and value[0] == 0.0 and value[-1] == 1.0


@pytest.mark.parametrize("pair", _JOINT_PAIRS, ids=lambda p: f"{p.activation}-{p.loss}")
def test_joint_pair_kernel_gives_the_loss_and_delta_kernels(pair: Any) -> None:
    scope = kernels.namespace("numpy")
    layer = not ACTIVATIONS[pair.activation].elementwise
    rng = np.random.default_rng(3)
    if layer:  # rows of logits, targets summing to 1 (some one-hot)
        z = np.stack([_Z[:4], _Z[4:8], _Z[8:], rng.normal(size=4)])
        y = np.vstack([np.eye(4)[[0, 3]], rng.dirichlet(np.ones(4), size=2)])
        extra: tuple[int, ...] = (1,)
    else:
        z = np.repeat(_Z[None, :], 3, axis=0)
        y = np.array([[0.0], [0.3], [1.0]]) * np.ones_like(z)
        extra = ()
    a = scope[f"_{ACTIVATIONS[pair.activation].kernel}"](z, *extra)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        terms, delta = scope[f"_{pair.joint_kernel}"](z, y, *extra)
        loss = scope[f"_{pair.loss_kernel}"](z, y, *extra)
        expected = scope[f"_{pair.delta_kernel}"](z, a, y, *extra)
    assert np.allclose(terms, loss, rtol=1e-14, atol=0.0)
    assert np.allclose(delta, expected, rtol=1e-14, atol=0.0)


def test_a_network_compiles_without_a_derivation() -> None:
    network = Network.from_widths((3, 4, 2), ("relu", "sigmoid"), "binary_cross_entropy")
    direct, derived = lambdify(network), compile_gradient(derive(network), stacked=False)
    params = init_parameters(network, seed=4)
    x, y = batch(network, 9, seed=4)
    one, other = direct(params, x, y), derived(params, x, y)
    assert float(one.loss) == pytest.approx(float(other.loss), rel=1e-13)
    assert max_rel(network, one.gradients, other.gradients) < 1e-13


# The fast path: arrays already right pass unconverted; anything else is checked in full.
def test_a_good_call_does_not_let_a_later_bad_one_through() -> None:
    network = Network.from_widths((2, 3, 1))
    gradient = compile_gradient(derive(network))
    params = init_parameters(network, seed=0)
    x, y = batch(network, 4, seed=0)
    good = gradient(params, x, y)
    bad_calls = [
        ({**params, "W1": np.zeros((2, 2))}, x, y, "W1 has shape (2, 2); expected (3, 2)"),
        ({**params, "b2": np.zeros((1, 1))}, x, y, "b2 has shape (1, 1); expected (1,)"),
        ({**params, "W9": np.zeros(1)}, x, y, "unknown parameters W9"),
        ({k: v for k, v in params.items() if k != "b1"}, x, y, "parameters b1 are missing"),
        (params, x[:, :1], y, "X has shape (4, 1); expected (batch, 2)"),
        (params, x[0], y, "X has shape (2,); expected (batch, 2)"),
        (params, x, y[:3], "Y has shape (3, 1); expected (4, 1)"),
        (params, x[:0], y[:0], "the batch is empty"),
    ]
    for bad_params, bad_x, bad_y, message in bad_calls:
        with pytest.raises(NumericError, match=message.replace("(", r"\(").replace(")", r"\)")):
            gradient(bad_params, bad_x, bad_y)
        again = gradient(params, x, y)  # and a good call after a bad one is still right
        assert float(again.loss) == float(good.loss)
        assert all(np.array_equal(again.gradients[k], good.gradients[k]) for k in params)


class _Subclass(np.ndarray):
    """An ndarray subclass: the compiled code takes it as a plain array."""


def test_other_dtypes_layouts_and_sequences_are_converted_to_the_same_result() -> None:
    network = Network.from_widths((3, 4, 2), ("tanh", "sigmoid"), "squared_error")
    gradient = compile_gradient(derive(network))
    params = init_parameters(network, seed=1)
    for size in (1, 5):
        x, y = batch(network, size, seed=size)
        expected = gradient(params, x, y)
        variants = [
            ({k: v.astype(np.float32).astype(np.float64) for k, v in params.items()}, x, y),
            ({k: v.tolist() for k, v in params.items()}, x.tolist(), y.tolist()),
            ({k: np.asfortranarray(v) for k, v in params.items()}, np.asfortranarray(x), y),
            (params, x.astype(np.float32), y),  # converted to float64: the same rounded X
            ({**params, "W2": params["W2"].astype(np.float32)}, x, y.astype(">f8")),
            (params, x.view(_Subclass), y.view(_Subclass)),  # taken as a plain array
        ]
        for index, (ps, xs, ys) in enumerate(variants):
            result = gradient(ps, xs, ys)
            reference = gradient(
                {k: np.asarray(v, dtype=np.float64) for k, v in ps.items()},
                np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64),
            )
            assert float(result.loss) == pytest.approx(float(reference.loss), rel=1e-15)
            for k in params:
                assert type(result.gradients[k]) is np.ndarray
                assert np.allclose(result.gradients[k], reference.gradients[k], rtol=1e-14)
                if index < 3:  # the same values as the float64 arrays
                    assert np.allclose(result.gradients[k], expected.gradients[k], rtol=1e-14)


@pytest.mark.parametrize(("widths", "activation", "loss"), NETWORKS, ids=IDS)
def test_one_sample_and_a_batch_take_the_same_path_as_per_sample(
    widths: tuple[int, ...], activation: str, loss: str
) -> None:
    # batch 1 (its own function), a batch in one call, and a batch in blocks all agree with the
    # per-sample gradients (the signals function), and no gradient is a view of an argument
    network = Network.from_widths(widths, activation, loss)
    gradient = compile_gradient(derive(network))
    params = init_parameters(network, seed=2)
    for size in (1, 3, gradient.block_rows + 5):
        x, y = batch(network, size, seed=size)
        given = {k: v.copy() for k, v in params.items()}
        loss_value, gradients = gradient(params, x, y)
        samples = gradient.per_sample(params, x, y)
        assert float(loss_value) == pytest.approx(float(samples.losses.mean()), rel=1e-12)
        for name, value in gradients.items():
            assert value.shape == params[name].shape
            assert np.allclose(value, samples.gradients[name].mean(axis=0), rtol=1e-11,
                               atol=1e-300)
            for argument in (x, y, *params.values()):
                assert not np.shares_memory(value, argument)
        assert all(np.array_equal(params[k], given[k]) for k in params)


def test_gradients_unpack_and_compare_as_a_named_pair() -> None:
    network = Network.from_widths((2, 2, 1))
    gradient = compile_gradient(derive(network))
    params = init_parameters(network, seed=3)
    x, y = batch(network, 1, seed=3)
    result = gradient(params, x, y)
    loss_value, gradients = result
    assert loss_value is result.loss and gradients is result.gradients
    with pytest.raises(AttributeError):
        result.loss = 0.0  # type: ignore[misc]
