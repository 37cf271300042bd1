"""The simulation spec: everything the simulator knows about a survey, read from a file.

The simulator's code is generic (areas, sub-areas, settlement types, groups,
items); a spec file says what they are: the population tables, the formulas
of the demographic and answer models, missing-answer rates, routing, the
multiple-response block, open comments, the sample design and the export
labels. :func:`load_spec` reads and checks one; :func:`default_spec` is the
bundled example survey's (``data/examples/simulation.yaml``), read once.

Examples
--------
>>> spec = default_spec()
>>> spec.waves, len(spec.items) > 10
((2024, 2025), True)
>>> age_group([18, 24, 25, 64, 65]).tolist()
[1, 1, 2, 5, 6]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from trustsurvey.errors import DesignError
from trustsurvey.simulate._formula import Formula

__all__ = ["SimulationSpec", "Item", "load_spec", "default_spec", "resolve_spec", "age_group"]

Program = tuple[tuple[str, Formula], ...]

#: Code conventions: sub-area codes are area * SUBAREA_FACTOR + k, PSU ids
#: sub-area * PSU_FACTOR + k, stratum codes area * STRATUM_FACTOR + settlement
#: (1 urban, 2 rural).
SUBAREA_FACTOR = 100
PSU_FACTOR = 1000
STRATUM_FACTOR = 10


@dataclass(frozen=True, eq=False)
class Item:
    """One single-choice item: ordinal (``cuts`` and a latent formula) or yes/no (``yes_if``)."""

    id: str
    formula: Formula
    cuts: np.ndarray | None = None
    reverse: bool = False

    @property
    def yes_no(self) -> bool:
        return self.cuts is None


@dataclass(frozen=True, eq=False)
class SimulationSpec:
    """A checked simulation spec (see ``data/examples/simulation.yaml`` for the meaning of each part).

    Instances compare and hash by identity, so they can key caches.
    """

    source: str
    seed: int
    waves: tuple[int, ...]
    source_columns: Mapping[int, Mapping[str, str]]
    design_columns: Mapping[str, str]
    # population
    adult_share: float
    columns: Mapping[str, str]
    areas: Mapping[int, str]
    groups: Mapping[int, str]
    subarea_codes: np.ndarray
    subarea_names: Mapping[int, str]
    subarea_population: np.ndarray
    urban_share: np.ndarray
    composition: np.ndarray
    psu_mean_size: float
    psu_size_range: tuple[float, float]
    ages: np.ndarray
    age_probabilities: np.ndarray
    age_group_starts: np.ndarray
    # people
    people: Program
    people_columns: tuple[str, ...]
    truth_columns: tuple[str, ...]
    # answers
    parameters: Mapping[str, Any]
    persistent: Program
    wave_program: Program
    items: tuple[Item, ...]
    missing_codes: tuple[int, int]
    dont_know_scale: Formula
    refusal_scale: Formula
    dont_know_cap: float
    missing_rates: tuple[tuple[str, float, float], ...]
    routing: Mapping[str, tuple[str, int]]
    options: Program
    none_option: str
    comment_column: str
    comment_texts: Mapping[str, tuple[str, ...]]
    comment_choice: Formula
    latent_columns: Mapping[str, str]
    # truth, sample, export
    truth_items: tuple[str, ...]
    margins: tuple[str, ...]
    n_psu: int
    min_psu_per_area: int
    take: tuple[int, int]
    response_by: str
    response_rates: np.ndarray
    sample_demographics: tuple[str, ...]
    export: Mapping[str, Any]

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Single-choice items in questionnaire order."""
        return tuple(item.id for item in self.items)

    @property
    def multiple_response(self) -> tuple[str, ...]:
        """Columns of the multiple-response block, the exclusive ``none`` option last."""
        return tuple(name for name, _ in self.options) + (self.none_option,)

    @property
    def comment_categories(self) -> tuple[str, ...]:
        """Every comment text, languages in the spec's order."""
        return tuple(t for texts in self.comment_texts.values() for t in texts)

    @property
    def sample_columns(self) -> tuple[str, ...]:
        """Columns of a sample file, in order."""
        design = tuple(self.design_columns[k] for k in ("respondent_id", "weight", "stratum", "psu"))
        return design + self.sample_demographics + self.item_ids + self.multiple_response + (self.comment_column,)

    def wave_parameters(self, wave: int) -> dict[str, Any]:
        """The parameters with the wave's values of those given per wave."""
        return {k: (v[wave] if isinstance(v, _PerWave) else v) for k, v in self.parameters.items()}


class _PerWave(dict):
    """A parameter given per wave."""


class _Reader:
    """Typed access to the parsed YAML with messages that name the file and key."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, message: str) -> DesignError:
        return DesignError(f"{self.source}: {key}: {message}")

    def get(self, node: Mapping[str, Any], key: str, path: str, kind: type | tuple[type, ...] | None = None,
            default: Any = ...) -> Any:
        if not isinstance(node, Mapping):
            raise self.fail(path, f"expected a mapping, got {type(node).__name__}")
        if key not in node:
            if default is not ...:
                return default
            raise self.fail(f"{path}.{key}" if path else key, "missing (see data/examples/simulation.yaml)")
        value = node[key]
        if kind is not None and (not isinstance(value, kind) or isinstance(value, bool) and bool not in _tuple(kind)):
            names = " or ".join(k.__name__ for k in _tuple(kind))
            raise self.fail(f"{path}.{key}" if path else key, f"expected {names}, got {value!r}")
        return value

    def formula(self, text: Any, path: str) -> Formula:
        return Formula.parse(text, where=f"{self.source}: {path}")

    def program(self, node: Any, path: str) -> Program:
        if not isinstance(node, Mapping) or not node:
            raise self.fail(path, "expected a mapping of name: formula")
        return tuple((str(name), self.formula(text, f"{path}.{name}")) for name, text in node.items())

    def names(self, node: Any, path: str) -> tuple[str, ...]:
        if not isinstance(node, list) or not all(isinstance(x, str) for x in node):
            raise self.fail(path, f"expected a list of names, got {node!r}")
        return tuple(node)


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


_NUMBER = (int, float)


def _table(r: _Reader, node: Mapping[Any, Any], path: str) -> np.ndarray:
    """A code -> number mapping as a float32 array indexed by code (0 where no code is given)."""
    if not node or not all(isinstance(k, int) and k >= 0 for k in node):
        raise r.fail(path, f"expected a mapping of non-negative integer codes to numbers, got {node!r}")
    out = [0.0] * (max(node) + 1)
    for code, value in node.items():
        if isinstance(value, bool) or not isinstance(value, _NUMBER):
            raise r.fail(f"{path}.{code}", f"expected a number, got {value!r}")
        out[code] = value
    return np.array(out, dtype=np.float32)


def _parameter(r: _Reader, value: Any, path: str, waves: tuple[int, ...]) -> Any:
    if isinstance(value, Mapping) and set(value) == set(waves):
        return _PerWave({w: _parameter(r, value[w], f"{path}.{w}", ()) for w in waves})
    if isinstance(value, Mapping):
        return _table(r, value, path)
    if isinstance(value, bool) or not isinstance(value, _NUMBER):
        raise r.fail(path, f"expected a number, a code -> number mapping, or one of them per wave {list(waves)}")
    return value


def _age_table(r: _Reader, node: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lo, hi = r.get(node, "range", "population.age", list)
    ages = np.arange(lo, hi + 1)
    w = np.zeros(ages.size)
    for i, band in enumerate(r.get(node, "bands", "population.age", list)):
        if not (isinstance(band, list) and len(band) == 3):
            raise r.fail(f"population.age.bands[{i}]", f"expected [first age, last age, share], got {band!r}")
        first, last, share = band
        sel = (ages >= first) & (ages <= last)
        w[sel] = share / sel.sum()
    tail = r.get(node, "tail", "population.age", Mapping)
    start = r.get(tail, "from", "population.age.tail", int)
    old = ages >= start
    decay = np.exp(-r.get(tail, "decay", "population.age.tail", _NUMBER) * (ages[old] - start))
    w[old] = r.get(tail, "share", "population.age.tail", _NUMBER) * decay / decay.sum()
    starts = np.array(r.get(node, "group_starts", "population.age", list))
    return ages, w / w.sum(), starts


def _population(r: _Reader, pop: Mapping[str, Any]) -> dict[str, Any]:
    areas = r.get(pop, "areas", "population", Mapping)
    groups = r.get(pop, "groups", "population", Mapping)
    if list(groups) != list(range(1, len(groups) + 1)):
        raise r.fail("population.groups", "give the groups the codes 1, 2, ..., k in order")
    subareas = r.get(pop, "subareas", "population", Mapping)
    codes = np.array(sorted(subareas), dtype=np.int16)
    comp = np.zeros((codes.size, len(groups)))
    for i, code in enumerate(codes):
        row = subareas[int(code)]
        path = f"population.subareas.{code}"
        if not (isinstance(row, list) and len(row) == 4 and isinstance(row[3], Mapping)):
            raise r.fail(path, f"expected [name, population, urban share, {{group: share}}], got {row!r}")
        if int(code) // SUBAREA_FACTOR not in areas:
            raise r.fail(path, f"code // {SUBAREA_FACTOR} = {int(code) // SUBAREA_FACTOR} is not an area code of population.areas")
        for group, share in row[3].items():
            if group not in groups or group == 1:
                raise r.fail(path, f"group {group!r}: give shares of groups 2..{len(groups)} (group 1 has the rest)")
            comp[i, group - 1] = share
        comp[i, 0] = 1.0 - comp[i, 1:].sum()
    psu = r.get(pop, "psu", "population", Mapping)
    ages, probs, starts = _age_table(r, r.get(pop, "age", "population", Mapping))
    return dict(
        adult_share=r.get(pop, "adult_share", "population", _NUMBER),
        columns=dict(r.get(pop, "columns", "population", Mapping)),
        areas=dict(areas),
        groups=dict(groups),
        subarea_codes=codes,
        subarea_names={int(c): subareas[int(c)][0] for c in codes},
        subarea_population=np.array([subareas[int(c)][1] for c in codes], dtype=np.int64),
        urban_share=np.array([subareas[int(c)][2] for c in codes]),
        composition=comp,
        psu_mean_size=r.get(psu, "mean_size", "population.psu", _NUMBER),
        psu_size_range=tuple(r.get(psu, "size_range", "population.psu", list)),
        ages=ages,
        age_probabilities=probs,
        age_group_starts=starts,
    )


def _items(r: _Reader, node: Mapping[str, Any], scales: Mapping[str, np.ndarray]) -> tuple[Item, ...]:
    out = []
    for item_id, entry in node.items():
        path = f"answers.items.{item_id}"
        if not isinstance(entry, Mapping):
            raise r.fail(path, "expected {scale: ..., latent: ...} or {yes_if: ...}")
        if "yes_if" in entry:
            out.append(Item(item_id, r.formula(entry["yes_if"], f"{path}.yes_if")))
            continue
        scale = r.get(entry, "scale", path, str)
        if scale not in scales:
            raise r.fail(f"{path}.scale", f"unknown scale {scale!r}; answers.scales has {sorted(scales)}")
        out.append(Item(item_id, r.formula(r.get(entry, "latent", path), f"{path}.latent"), scales[scale],
                        bool(entry.get("reverse", False))))
    return tuple(out)


def _answers(r: _Reader, ans: Mapping[str, Any], waves: tuple[int, ...]) -> dict[str, Any]:
    scales = {k: np.array(v, dtype=np.float32) for k, v in r.get(ans, "scales", "answers", Mapping).items()}
    items = _items(r, r.get(ans, "items", "answers", Mapping), scales)
    ids = {item.id for item in items}
    missing = r.get(ans, "missing", "answers", Mapping)
    codes = r.get(missing, "codes", "answers.missing", Mapping)
    rates = []
    for item_id, pair in r.get(missing, "rates", "answers.missing", Mapping).items():
        if item_id not in ids:
            raise r.fail(f"answers.missing.rates.{item_id}", "not an item of answers.items")
        if not (isinstance(pair, list) and len(pair) == 2):
            raise r.fail(f"answers.missing.rates.{item_id}", f"expected [don't-know rate, refusal rate], got {pair!r}")
        rates.append((item_id, pair[0], pair[1]))
    routing = {}
    for item_id, pair in r.get(ans, "routing", "answers", Mapping, {}).items():
        if item_id not in ids or not (isinstance(pair, list) and len(pair) == 2 and pair[0] in ids):
            raise r.fail(f"answers.routing.{item_id}", "expected item: [filter item, value], both items of answers.items")
        routing[item_id] = (pair[0], pair[1])
    multi = r.get(ans, "multiple_response", "answers", Mapping)
    comments = r.get(ans, "comments", "answers", Mapping)
    texts = r.get(comments, "texts", "answers.comments", Mapping)
    return dict(
        parameters={k: _parameter(r, v, f"answers.parameters.{k}", waves)
                    for k, v in r.get(ans, "parameters", "answers", Mapping, {}).items()},
        persistent=r.program(r.get(ans, "persistent", "answers"), "answers.persistent"),
        wave_program=r.program(r.get(ans, "wave", "answers"), "answers.wave"),
        items=items,
        missing_codes=(r.get(codes, "dont_know", "answers.missing.codes", int),
                       r.get(codes, "refused", "answers.missing.codes", int)),
        dont_know_scale=r.formula(r.get(missing, "dont_know_scale", "answers.missing"), "answers.missing.dont_know_scale"),
        refusal_scale=r.formula(r.get(missing, "refusal_scale", "answers.missing"), "answers.missing.refusal_scale"),
        dont_know_cap=r.get(missing, "dont_know_cap", "answers.missing", _NUMBER),
        missing_rates=tuple(rates),
        routing=routing,
        options=r.program(r.get(multi, "options", "answers.multiple_response"), "answers.multiple_response.options"),
        none_option=r.get(multi, "none", "answers.multiple_response", str),
        comment_column=r.get(comments, "column", "answers.comments", str),
        comment_texts={str(k): tuple(v) for k, v in texts.items()},
        comment_choice=r.formula(r.get(comments, "choice", "answers.comments"), "answers.comments.choice"),
        latent_columns=dict(r.get(ans, "latent_columns", "answers", Mapping, {})),
    )


def load_spec(path: str | Path) -> SimulationSpec:
    """Read and check a simulation spec file (YAML).

    Parameters
    ----------
    path : str or Path
        The file (see the bundled ``data/examples/simulation.yaml`` for its parts).

    Returns
    -------
    SimulationSpec

    Raises
    ------
    DesignError
        The file is missing, not YAML, or a part is missing or malformed (the
        message names the file and the key).
    """
    import yaml

    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as exc:
        raise DesignError(f"{path}: cannot read the simulation spec ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise DesignError(f"{path}: not valid YAML: {exc}") from None
    return _build(data, str(path))


def _build(data: Any, source: str) -> SimulationSpec:
    r = _Reader(source)
    if not isinstance(data, Mapping):
        raise r.fail("(top)", "expected a mapping")
    waves = tuple(r.get(data, "waves", "", list))
    source_columns = r.get(data, "source_columns", "", Mapping, {})
    people = r.get(data, "people", "", Mapping)
    truth = r.get(data, "truth", "", Mapping)
    sample = r.get(data, "sample", "", Mapping)
    response = r.get(sample, "response", "sample", Mapping)
    rates = r.get(response, "rates", "sample.response", Mapping)
    take = r.get(sample, "take", "sample", list)
    spec = SimulationSpec(
        source=source,
        seed=r.get(data, "seed", "", int),
        waves=waves,
        source_columns={w: dict(source_columns.get(w) or {}) for w in waves},
        design_columns=dict(r.get(data, "design_columns", "", Mapping)),
        **_population(r, r.get(data, "population", "", Mapping)),
        people=r.program(r.get(people, "formulas", "people"), "people.formulas"),
        people_columns=r.names(r.get(people, "columns", "people"), "people.columns"),
        truth_columns=r.names(r.get(people, "truth", "people", list, []), "people.truth"),
        **_answers(r, r.get(data, "answers", "", Mapping), waves),
        truth_items=r.names(r.get(truth, "items", "truth"), "truth.items"),
        margins=r.names(r.get(truth, "margins", "truth"), "truth.margins"),
        n_psu=r.get(sample, "n_psu", "sample", int),
        min_psu_per_area=r.get(sample, "min_psu_per_area", "sample", int),
        take=(int(take[0]), int(take[1])),
        response_by=r.get(response, "by", "sample.response", str),
        response_rates=np.array([rates[k] for k in sorted(rates)]),
        sample_demographics=r.names(r.get(sample, "demographics", "sample"), "sample.demographics"),
        export=dict(r.get(data, "export", "", Mapping)),
    )
    _check_references(r, spec)
    return spec


def _check_references(r: _Reader, spec: SimulationSpec) -> None:
    for role in ("area", "subarea", "settlement", "age", "age_group"):
        if not isinstance(spec.columns.get(role), str):
            raise r.fail("population.columns", f"name the {role!r} column")
    for role in ("respondent_id", "weight", "stratum", "psu"):
        if not isinstance(spec.design_columns.get(role), str):
            raise r.fail("design_columns", f"name the {role!r} column")
    made = {name for name, _ in spec.people}
    for name in spec.people_columns + spec.truth_columns:
        if name not in made:
            raise r.fail("people", f"column {name!r} is not made by a formula of people.formulas")
    ids = set(spec.item_ids)
    for name in spec.truth_items:
        if name not in ids:
            raise r.fail("truth.items", f"{name!r} is not an item of answers.items")
    people = set(spec.people_columns) | {spec.columns[k] for k in ("area", "subarea", "settlement")}
    for name in spec.sample_demographics:
        if name not in people:
            raise r.fail("sample.demographics", f"{name!r} is not a population column")
    for wave, renames in spec.source_columns.items():
        for name in renames:
            if name not in ids:
                raise r.fail(f"source_columns.{wave}", f"{name!r} is not an item of answers.items")


def resolve_spec(spec: SimulationSpec | str | Path | None) -> SimulationSpec:
    """The spec itself, the spec of a file, or (``None``) the bundled example's."""
    if spec is None:
        return default_spec()
    if isinstance(spec, SimulationSpec):
        return spec
    if isinstance(spec, (str, Path)):
        return load_spec(spec)
    raise DesignError(f"spec={spec!r}: give a SimulationSpec, the path of a spec file, or None")


@lru_cache(maxsize=1)
def default_spec() -> SimulationSpec:
    """The bundled example survey's spec (``data/examples/simulation.yaml``), read once."""
    ref = resources.files("trustsurvey").joinpath("data", "examples", "simulation.yaml")
    with resources.as_file(ref) as path:
        return load_spec(path)


def age_group(age: Any, spec: SimulationSpec | str | Path | None = None) -> np.ndarray:
    """Age group codes (1, 2, ...) of ages in years, after the spec's group starts.

    Examples
    --------
    >>> age_group(np.array([18, 30, 70])).tolist()
    [1, 2, 6]
    """
    starts = resolve_spec(spec).age_group_starts
    return (np.searchsorted(starts, np.asarray(age), side="right") + 1).astype(np.int8)
