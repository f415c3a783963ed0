"""Network symbols and Leibniz nodes through SymPy's printers, lambdify, pickle and symengine."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import symengine
import sympy as sp
import torch
from conftest import evaluate, random_point
from tools import KatexRenderer

from symchain import Derivation, Network, derive, naming
from symchain.activations import to_elementary
from symchain.errors import SpecError
from symchain.naming import Kind, Label, NetworkSymbol
from symchain.nodes import Partial, Sampled
from symchain.render.graph import dependency_graph
from symchain.verify import check_claim

SEED = Network.from_widths((1, 1, 1, 1), activation="sigmoid", loss="squared_error")
WIDE = Network.from_widths((2, 3, 2), activation="sigmoid", loss="squared_error")


@pytest.fixture(scope="module")
def seed() -> Derivation:
    return derive(SEED)


@pytest.fixture(scope="module")
def wide() -> Derivation:
    return derive(WIDE)


def test_seed_gradient_in_sympy_latex_pretty_and_str(seed: Derivation) -> None:
    gradient = seed["w^{(L)}"].gradient
    assert sp.latex(gradient) == (
        r"2 a_{0}^{(2)} \left(a_{0}^{(3)} - y_{0}\right) \sigma'\left(z_{0}^{(3)}\right)"
    )
    assert sp.pretty(gradient, use_unicode=True) == "2⋅a⁽²⁾₀⋅(a⁽³⁾₀ - y₀)⋅σ'(z⁽³⁾₀)"
    assert str(gradient) == "2*a_2_0*(a_3_0 - y_0)*σ'(z_3_0)"  # names stay identifiers
    assert sp.pretty(gradient, use_unicode=False).startswith("2*a_2_0*(a_3_0 - y_0)")


def test_seed_chain_factors_are_leibniz_fractions(seed: Derivation) -> None:
    leibniz = [f.leibniz for f in seed["w^{(L)}"].chain.factors]
    assert [sp.latex(f) for f in leibniz] == [
        r"\frac{\partial z_{0}^{(3)}}{\partial w_{00}^{(3)}}",
        r"\frac{\partial a_{0}^{(3)}}{\partial z_{0}^{(3)}}",
        r"\frac{\partial C_{0}}{\partial a_{0}^{(3)}}",
    ]
    assert sp.pretty(leibniz[0], use_unicode=True) == "∂z⁽³⁾₀ \n───────\n∂w⁽³⁾₀₀"
    assert sp.pretty(leibniz[2], use_unicode=True) == " ∂C₀  \n──────\n∂a⁽³⁾₀"
    assert sp.pretty(leibniz[0], use_unicode=False) == " dz_3_0 \n--------\ndw_3_0_0"
    assert str(leibniz[0]) == "Partial(z_3_0, w_3_0_0)"


def test_wide_gradient_error_terms_and_factors(wide: Derivation) -> None:
    gradient = wide["w^{(L-1)}_{10}"]
    assert sp.latex(gradient.gradient) == (
        r"x_{0} \left(w_{01}^{(2)} \delta_{0}^{(2)} + w_{11}^{(2)} \delta_{1}^{(2)}\right) "
        r"\sigma'\left(z_{1}^{(1)}\right)"
    )
    assert sp.pretty(gradient.gradient, use_unicode=True) == (
        "x₀⋅(w⁽²⁾₀₁⋅δ⁽²⁾₀ + w⁽²⁾₁₁⋅δ⁽²⁾₁)⋅σ'(z⁽¹⁾₁)"
    )
    assert str(gradient.gradient) == "x_0*(w_2_0_1*δ_2_0 + w_2_1_1*δ_2_1)*σ'(z_1_1)"
    error = wide.errors[0]
    assert (sp.latex(error.symbol), sp.latex(error.value)) == (
        r"\delta_{0}^{(2)}",
        r"2 \left(a_{0}^{(2)} - y_{0}\right) \sigma'\left(z_{0}^{(2)}\right)",
    )
    assert sp.pretty(error.symbol, use_unicode=True) == "δ⁽²⁾₀"
    assert [sp.latex(f.leibniz) for f in gradient.chain.factors] == [
        r"\frac{\partial z_{1}^{(1)}}{\partial w_{10}^{(1)}}",
        r"\frac{\partial a_{1}^{(1)}}{\partial z_{1}^{(1)}}",
        r"\frac{\partial C_{0}}{\partial a_{1}^{(1)}}",
    ]


def test_batch_forms_print_samples_as_superscripts(seed: Derivation) -> None:
    gradient = seed["w^{(L)}"]
    assert sp.latex(gradient.batch) == (
        r"\frac{\sum_{i=0}^{n - 1} 2 \left(a_{0}^{(3)[i]} - y_{0}^{[i]}\right) "
        r"\sigma'\left(z_{0}^{(3)[i]}\right) a_{0}^{(2)[i]}}{n}"
    )
    assert sp.latex(gradient.batch_leibniz) == (
        r"\frac{\sum_{i=0}^{n - 1} \frac{\partial C_{i}}{\partial w_{00}^{(3)}}}{n}"
    )
    assert "2⋅(a⁽³⁾₀[i] - y₀[i])⋅σ'(z⁽³⁾₀[i])⋅a⁽²⁾₀[i]" in sp.pretty(gradient.batch)
    assert sp.pretty(Sampled(naming.SAMPLE_LOSS, sp.Symbol("i")), use_unicode=True) == "Cᵢ"


def test_network_prints_the_lecture_notation(seed: Derivation, wide: Derivation) -> None:
    """The relative (L), (L-1) form needs the depth: Network.latex / Network.unicode."""
    gradient = seed["w^{(L)}"]
    assert SEED.latex(gradient.gradient) == (
        r"2 a^{(L-1)} \left(a^{(L)} - y\right) \sigma'(z^{(L)})"
    )
    assert SEED.unicode(gradient.gradient) == "2·a⁽ᴸ⁻¹⁾·(a⁽ᴸ⁾ - y)·σ'(z⁽ᴸ⁾)"
    assert SEED.latex(gradient.leibniz) == r"\frac{\partial C_0}{\partial w^{(L)}}"
    assert SEED.latex(gradient.gradient, notation="absolute") == (
        r"2 a^{(2)} \left(a^{(3)} - y\right) \sigma'(z^{(3)})"
    )
    factor = wide["w^{(L-1)}_{10}"].chain.factors[0].leibniz
    assert WIDE.latex(factor) == r"\frac{\partial z_{1}^{(L-1)}}{\partial w_{10}^{(L-1)}}"


def test_sympy_latex_renders_in_katex(
    seed: Derivation, wide: Derivation, katex: KatexRenderer
) -> None:
    for derivation in (seed, wide):
        for gradient in derivation:
            for expr in (
                gradient.gradient,
                gradient.batch,
                gradient.batch_leibniz,
                *(f.leibniz for f in gradient.chain.factors),
            ):
                latex = sp.latex(expr)
                assert katex.render(latex) is None, latex
        for error in derivation.errors:
            latex = sp.latex(sp.Eq(error.symbol, error.value))
            assert katex.render(latex) is None, latex


def test_one_symbol_per_label_across_constructions() -> None:
    w = naming.weight(3, 0, 0)
    same = [
        Label(Kind.WEIGHT, 3, 0, 0).symbol(),
        SEED.w(3, 0, 0),
        NetworkSymbol("w_3_0_0", real=True),
        copy.copy(w),
        copy.deepcopy(w),
        pickle.loads(pickle.dumps(w)),
        w.xreplace({}),
    ]
    for other in same:
        assert other == w and hash(other) == hash(w) and type(other) is NetworkSymbol
    assert w.label == Label(Kind.WEIGHT, 3, 0, 0)
    # A plain Symbol of the same name is another symbol; naming maps it to the network's.
    plain = sp.Symbol("w_3_0_0", real=True)
    assert plain != w and w != plain
    # ... that SymPy sorts and canonicalises exactly as the network's: srepr is SymPy's own
    assert sp.srepr(w) == "Symbol('w_3_0_0', real=True)" and repr(w) == "w_3_0_0"
    assert w.sort_key() == plain.sort_key() and w.compare(plain) == 0
    assert naming.network_symbol(plain) is w
    assert naming.network_symbol(sp.Symbol("u")) == sp.Symbol("u")
    assert naming.network_symbol(sp.Dummy("w_3_0_0")) != w
    assert naming.label_of(plain) == naming.label_of(w)


def test_pickle_round_trip_of_derivation_objects(wide: Derivation) -> None:
    gradient = wide["w^{(L-1)}_{10}"]
    for expr in (gradient.gradient, gradient.batch, gradient.leibniz, wide.errors[1].value):
        back = pickle.loads(pickle.dumps(expr))
        # the batch form keeps the written factor order, which pickle rebuilds canonically
        assert back == expr if expr is not gradient.batch else (back - expr).doit() == 0
        assert sp.latex(back) == sp.latex(expr)
        assert back.free_symbols == expr.free_symbols
        assert all(type(s) is NetworkSymbol for s in back.free_symbols if s.name[0] in "wbzaxyδ")


def test_subs_by_the_networks_own_symbols(seed: Derivation) -> None:
    gradient = seed["w^{(L)}"].gradient
    values = {SEED.a(2, 0): sp.Rational(1, 2), SEED.a(3, 0): sp.Rational(3, 4), SEED.y(0): 1}
    partial = gradient.subs(values)
    assert partial == sp.Rational(-1, 4) * partial.args[-1]  # 2·½·(¾ - 1)·σ'(z)
    assert partial.free_symbols == {SEED.z(3, 0)}
    # plain same-named symbols substitute nothing, until naming maps them
    plain = {sp.Symbol(s.name, real=True): v for s, v in values.items()}
    assert gradient.subs(plain) == gradient
    assert gradient.subs({naming.network_symbol(s): v for s, v in plain.items()}) == partial


def test_lookups_take_plain_symbols(wide: Derivation) -> None:
    w, plain = WIDE.w(1, 1, 0), sp.Symbol("w_1_1_0", real=True)
    assert wide[plain] is wide[w] is wide["w^{(L-1)}_{10}"]
    assert wide.expanded(plain) == wide.expanded(w)
    assert dependency_graph(WIDE, plain).path_edges == dependency_graph(WIDE, w).path_edges
    assert len(dependency_graph(WIDE, w).path_edges) > 2


@pytest.mark.parametrize("parameter", ["w^{(L-1)}_{10}", "b^{(L)}_{1}"])
def test_lambdify_numpy_and_torch(wide: Derivation, parameter: str) -> None:
    gradient = wide[parameter].gradient
    expanded = wide.expanded(parameter)
    for expr in (gradient, expanded):
        symbols = sorted(expr.free_symbols, key=lambda s: s.name)
        assert all(type(s) is NetworkSymbol for s in symbols)
        point = random_point(set(symbols), seed=5)
        expected = evaluate(to_elementary(expr), point)
        values = [point[s] for s in symbols]
        numpy_value = sp.lambdify(symbols, expr, modules="numpy")(*values)
        torch_value = sp.lambdify(symbols, expr, modules="torch")(
            *(torch.tensor(v, dtype=torch.float64) for v in values)
        )
        assert float(numpy_value) == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert float(torch_value) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    # vectorised over a batch of points, through the names as Python identifiers
    symbols = sorted(expanded.free_symbols, key=lambda s: s.name)
    batch = np.linspace(-1.0, 1.0, 7)
    function = sp.lambdify(symbols, expanded, modules="numpy")
    got = function(*(batch * (i + 1) / len(symbols) for i in range(len(symbols))))
    for column, value in enumerate(got):
        point = {s: float(batch[column] * (i + 1) / len(symbols)) for i, s in enumerate(symbols)}
        assert value == pytest.approx(evaluate(expanded, point), rel=1e-12, abs=1e-15)


def test_symengine_round_trip_gets_network_symbols_back(wide: Derivation) -> None:
    expanded = wide.expanded("w^{(L-1)}_{10}")
    back = sp.sympify(symengine.sympify(expanded))
    assert back != expanded  # symengine keeps names only
    restored = naming.network_symbols(back)
    assert restored == expanded
    assert all(type(s) is NetworkSymbol for s in restored.free_symbols)


def test_latex_settings_and_other_symbols_are_sympys() -> None:
    w = SEED.w(3, 0, 0)
    assert sp.latex(w, symbol_names={w: "W"}) == "W"
    assert sp.latex(sp.Symbol("a_2_0", real=True)) == "a_{2 0}"  # a plain symbol: SymPy's own
    assert sp.latex(Partial(sp.Symbol("u"), w)) == r"\frac{\partial u}{\partial w_{00}^{(3)}}"
    assert sp.latex(sp.Derivative(sp.Function("f")(w), w)) == (
        r"\frac{d}{d w_{00}^{(3)}} f{\left(w_{00}^{(3)} \right)}"
    )


def test_sampled_quantities_without_a_label(katex: KatexRenderer) -> None:
    """A graph's quantities (plain symbols) and Leibniz factors per sample."""
    i, h, loss = sp.Symbol("i"), sp.Symbol("h^{2}"), sp.Symbol("C_0")
    assert sp.latex(Sampled(h, i)) == "{h^{2}}^{[i]}"
    partial = Sampled(Partial(loss, h), i)
    assert sp.latex(partial) == r"\left(\frac{\partial C_{0}}{\partial h^{2}}\right)^{[i]}"
    for expr in (Sampled(h, i), partial):
        assert katex.render(sp.latex(expr)) is None


def test_bare_symbols_print_as_the_absolute_notation_with_every_subscript() -> None:
    """sympy.latex/pretty of a symbol is symchain's absolute notation where no width is 1."""
    absolute = naming.Notation(WIDE.widths, "absolute")
    symbols = [*WIDE.parameters, *WIDE.inputs, *WIDE.targets]
    symbols += [WIDE.z(2, 1), WIDE.a(1, 2), naming.error(2, 1)]
    for symbol in symbols:
        label = naming.label_of(symbol)
        assert label is not None
        assert sp.latex(symbol) == absolute.latex(label)
        assert sp.pretty(symbol, use_unicode=True) == absolute.unicode(label)
    # where widths are 1 the network's notation drops subscripts; a bare symbol cannot know
    assert sp.latex(SEED.w(1, 0, 0)) == "w_{00}^{(1)}"
    assert SEED.latex(SEED.w(1, 0, 0), notation="absolute") == "w^{(1)}"
    with pytest.raises(SpecError, match="need the widths"):
        naming.Notation(())


@pytest.mark.parametrize(("network", "name"), [(SEED, "w^{(L)}"), (WIDE, "w^{(L-1)}_{10}")])
def test_verify_reads_what_sympy_latex_prints(network: Network, name: str) -> None:
    """sympy.latex of ∂C_0/∂θ = gradient is a claim verify resolves to the same symbols."""
    gradient = derive(network)[name]
    claim = f"{sp.latex(gradient.leibniz)} = {sp.latex(gradient.gradient)}"
    assert check_claim(claim, network, notation="absolute").verdict == "holds"
    wrong = f"{sp.latex(gradient.leibniz)} = {sp.latex(3 * gradient.gradient)}"
    assert check_claim(wrong, network, notation="absolute").verdict == "fails"
