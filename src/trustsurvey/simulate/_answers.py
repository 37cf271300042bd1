"""Answers of every person to every item, from the spec's latent model.

The spec's ``answers`` part drives everything here, in this order: the
persistent draws (the person stream, the same in every wave), the wave's
draws and latent variables, the items (ordinal items cut a latent response
at the scale's cut points; yes/no items take a condition), then don't know
and refusal codes item by item, routing (blank where not asked), the
multiple-response block (an exclusive "none" option ticked when nothing else
is) and the open comments.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trustsurvey.simulate._formula import run_program
from trustsurvey.simulate._functions import common_functions, logistic, quick_normals
from trustsurvey.simulate._spec import Item, SimulationSpec, age_group, default_spec

__all__ = ["simulate_answers", "CONCERNS"]


def __getattr__(name: str) -> Any:
    # CONCERNS: the multiple-response columns of the bundled example, read from its spec on first use.
    if name == "CONCERNS":
        return default_spec().multiple_response
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _ordinal(ystar: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Codes 1..len(cuts)+1: one plus the number of cut points below the latent value."""
    code = np.ones(ystar.shape, dtype=np.int8)
    for c in cuts:
        code += ystar > c
    return code


def _masked(values: np.ndarray, asked: np.ndarray):
    """A nullable Int8 array: blank where the question was not asked."""
    import pandas as pd

    return pd.arrays.IntegerArray(np.where(asked, values, 0).astype(np.int8), ~asked)


def _item(item: Item, env: dict[str, Any], functions: dict[str, Any]) -> np.ndarray:
    value = item.formula.evaluate(env, functions)
    if item.yes_no:
        return np.where(value, 1, 2).astype(np.int8)
    code = _ordinal(value, item.cuts)
    if item.reverse:
        code = (item.cuts.size + 2 - code).astype(np.int8)
    return code


def _draws(rng: np.random.Generator, n: int, psu_index: np.ndarray, n_psu: int) -> dict[str, Any]:
    def shape(rows: int | None) -> int | tuple[int, int]:
        return n if rows is None else (int(rows), n)

    return {
        "quick_normal": lambda rows=None: quick_normals(rng, shape(rows)),
        "quick_normal_psu": lambda: quick_normals(rng, n_psu)[psu_index],
        "uniform32": lambda rows=None: rng.random(shape(rows), dtype=np.float32),
        "uniform": lambda: rng.random(n),
        "normal32": lambda: rng.standard_normal(n, dtype=np.float32),
    }


def simulate_answers(
    people: dict[str, np.ndarray],
    wave: int,
    rng_person: np.random.Generator,
    rng_wave: np.random.Generator,
    spec: SimulationSpec,
) -> dict[str, object]:
    """Draw every item's answer for every person.

    Parameters
    ----------
    people : dict of arrays
        From :func:`trustsurvey.simulate._population.build_people`.
    wave : int
        One of the spec's waves (selects the wave parameters).
    rng_person : numpy.random.Generator
        Stream of the persistent components (PSU and person effects), the same
        for every wave so that the population keeps its character.
    rng_wave : numpy.random.Generator
        Stream of this wave's noise.
    spec : SimulationSpec
        The survey's spec.

    Returns
    -------
    dict
        The spec's latent columns (float32), one array per item and
        multiple-response option, and the comment column (integer text index,
        -1 for no comment).
    """
    n = people[spec.columns["age"]].size
    psu_ids, psu_index = np.unique(people[spec.design_columns["psu"]], return_inverse=True)
    env: dict[str, Any] = {**people, **spec.wave_parameters(wave)}
    env[spec.columns["age_group"]] = age_group(people[spec.columns["age"]], spec)
    env["n_texts"] = {lang: len(texts) for lang, texts in spec.comment_texts.items()}
    common = common_functions()
    run_program(spec.persistent, env, {**common, **_draws(rng_person, n, psu_index, psu_ids.size)})
    functions = {**common, **_draws(rng_wave, n, psu_index, psu_ids.size)}
    run_program(spec.wave_program, env, functions)

    out: dict[str, object] = {name: env[var] for name, var in spec.latent_columns.items()}
    answers: dict[str, np.ndarray] = {}
    for item in spec.items:
        answers[item.id] = env[item.id] = _item(item, env, functions)

    # Don't know / refused, with personal propensities, item by item.
    dont_know, refused = spec.missing_codes
    dk_scale = spec.dont_know_scale.evaluate(env, functions)
    ref_scale = spec.refusal_scale.evaluate(env, functions)
    for name, p_dk, p_ref in spec.missing_rates:
        v = rng_wave.random(n, dtype=np.float32)
        p_r = p_ref * ref_scale
        p_d = np.minimum(p_dk * dk_scale, spec.dont_know_cap)
        code = answers[name]
        answers[name] = np.where(v < p_r, refused, np.where(v < p_r + p_d, dont_know, code)).astype(np.int8)

    # Routing: filtered questions are blank where they were not asked.
    for name, (filter_item, value) in spec.routing.items():
        answers[name] = _masked(answers[name], answers[filter_item] == value)
    out.update(answers)

    # Multiple response, the last option exclusive.
    logits = np.stack([formula.evaluate(env, functions) for _, formula in spec.options])
    ticks = rng_wave.random((len(spec.options), n), dtype=np.float32) < logistic(logits)
    for (name, _), col in zip(spec.options, ticks):
        out[name] = col.astype(np.int8)
    out[spec.none_option] = (~ticks.any(axis=0)).astype(np.int8)

    out[spec.comment_column] = np.asarray(spec.comment_choice.evaluate(env, functions)).astype(np.int16)
    return out
