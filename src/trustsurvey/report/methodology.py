"""The methodology section: what was done, in the report's language.

:class:`Methodology` holds the facts of a run (the sample, the design, each weighting step
actually applied, the rules for suppression and multiple comparisons, the margins of
error); :func:`methodology_section` turns them into the headings, sentences and
label/value pairs the HTML and PDF show. Every word comes from the catalogue; numbers
follow the language's conventions (:mod:`trustsurvey.labels.numbers`). The facts are
gathered by :func:`trustsurvey.pipeline.methodology`; nothing is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import pandas as pd

from ..labels import catalogue
from ..labels.catalogue import N_
from ..labels.numbers import format_number

__all__ = ["Methodology", "WeightingStep", "methodology_section", "WEIGHTING_METHODS", "LONELY_PSU_RULES",
           "ADJUST_METHODS"]

#: the weighting methods in words
WEIGHTING_METHODS = {
    "rake": N_("raking (iterative proportional fitting) to the population margins"),
    "poststratify": N_("post-stratification to the population cells"),
    "calibrate": N_("calibration to the population totals"),
    "trim": N_("trimming of extreme weights"),
    "nonresponse": N_("non-response adjustment"),
}
#: how a stratum with a single primary sampling unit is treated (R's ``survey.lonely.psu``)
LONELY_PSU_RULES = {
    "fail": N_("treated as an error (there were none)"),
    "remove": N_("they add no variance"),
    "adjust": N_("centred at the grand mean"),
    "average": N_("given the average variance of the other strata"),
    "certainty": N_("taken as sampled with certainty"),
}
#: the p-value adjustments in words
ADJUST_METHODS = {
    "holm": N_("Holm's step-down method (family-wise error rate)"),
    "bonferroni": N_("Bonferroni's method (family-wise error rate)"),
    "fdr_bh": N_("Benjamini and Hochberg's method (false discovery rate)"),
    "bh": N_("Benjamini and Hochberg's method (false discovery rate)"),
    "none": N_("no adjustment"),
}


@dataclass(frozen=True)
class WeightingStep:
    """One weighting step as applied: its method, variables and diagnostics."""

    method: str
    variables: Sequence[str] = ()
    iterations: int | None = None
    converged: bool | None = None
    max_margin_error: float | None = None
    n_excluded: int | None = None
    n_imputed: int | None = None
    weight_min: float | None = None
    weight_max: float | None = None
    kish_deff: float | None = None
    effective_n: float | None = None
    bounds: tuple[float, float] | None = None


@dataclass(frozen=True)
class Methodology:
    """The facts of a run that its methodology section states.

    Attributes
    ----------
    respondents, strata, psus, df : int
        The sample and the design degrees of freedom (intervals use the t distribution on ``df``).
    strata_variable, psu_variable : str
        Labels of the design's variables (empty without strata or clusters).
    lonely_psu : str
        The rule for strata with a single primary sampling unit (a key of :data:`LONELY_PSU_RULES`).
    weighting : list of WeightingStep
        Each step actually applied, in order (empty: design weights only).
    population : str
        The weighting's population, in words.
    min_base, low_base, max_cv : number
        Suppression and flagging thresholds.
    adjust : str
        The p-value adjustment of group comparisons (a key of :data:`ADJUST_METHODS`).
    alpha : float
        Significance level.
    deff : float or None
        The design effect of the margins of error: the median design effect of the national top-two
        shares of the key items ``deff_items`` (their labels).
    margins, key_margins : DataFrame, optional
        Margins of error of a 50% share per group (``by, group, group_label, n_unweighted, moe``)
        and each key item's own (``item_label, metric, estimate, ci_low, ci_high, n_unweighted, moe``).
    """

    respondents: int
    df: int
    strata: int | None = None
    psus: int | None = None
    strata_variable: str = ""
    psu_variable: str = ""
    lonely_psu: str = "fail"
    weighting: Sequence[WeightingStep] = ()
    population: str = ""
    min_base: int = 30
    low_base: int = 100
    max_cv: float = 0.3
    adjust: str = "holm"
    alpha: float = 0.05
    deff: float | None = None
    deff_items: Sequence[str] = ()
    margins: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    key_margins: pd.DataFrame | None = field(default=None, compare=False, repr=False)


def _num(x: Any, decimals: int, lang: str) -> str:
    return format_number(x, decimals, lang)


def _weighting_pairs(step: WeightingStep, lang: str) -> list[tuple[str, str]]:
    t = catalogue(lang)
    method = WEIGHTING_METHODS.get(step.method)
    pairs = [(t("Method"), t(method) if method else step.method)]
    if step.variables:
        pairs.append((t("Weighting variables"), ", ".join(step.variables)))
    if step.bounds is not None:
        pairs.append((t("Weights trimmed to"), f"{_num(step.bounds[0], 2, lang)} – {_num(step.bounds[1], 2, lang)}"))
    if step.iterations is not None:
        pairs.append((t("Iterations"), _num(step.iterations, 0, lang)))
    if step.converged is not None:
        pairs.append((t("Converged"), t("yes") if step.converged else t("no")))
    if step.max_margin_error is not None:
        points = 100 * step.max_margin_error
        value = ("< " + _num(0.0001, 4, lang)) if points < 0.0001 else _num(points, 4, lang)
        pairs.append((t("Largest difference from a population margin"),
                      f"{value} {t.pgettext('unit', 'percentage points')}"))
    if step.n_excluded is not None:
        pairs.append((t("Respondents left out of the weighting"), _num(step.n_excluded, 0, lang)))
    if step.n_imputed:
        pairs.append((t("Respondents with a weighting variable imputed"), _num(step.n_imputed, 0, lang)))
    if step.weight_min is not None and step.weight_max is not None:
        pairs.append((t("Smallest and largest weight"),
                      f"{_num(step.weight_min, 1, lang)} – {_num(step.weight_max, 1, lang)}"))
    if step.kish_deff is not None:
        pairs.append((t("Design effect of the weights (Kish)"), _num(step.kish_deff, 2, lang)))
    if step.effective_n is not None:
        pairs.append((t("Effective sample size"), _num(step.effective_n, 0, lang)))
    return pairs


def methodology_section(m: Methodology, lang: str) -> dict:
    """The methodology as the report shows it: ``{"sample", "design", "weighting", "reporting", "margins_note"}``.

    ``sample`` and each weighting step are lists of (label, value) pairs; ``design`` and
    ``reporting`` lists of sentences.

    Examples
    --------
    >>> m = Methodology(respondents=1496, df=104, strata=16, psus=120, adjust="holm",
    ...                 weighting=[WeightingStep("rake", ["Region", "Gender"], iterations=8, converged=True)])
    >>> sec = methodology_section(m, "sr")
    >>> sec["sample"][0], sec["weighting"][0][3]
    (('Ispitanici', '1.496'), ('Konvergirao', 'da'))
    """
    t = catalogue(lang)
    sample = [(t("Respondents"), _num(m.respondents, 0, lang))]
    if m.strata:
        sample.append((t("Strata"), _num(m.strata, 0, lang)))
    if m.psus:
        sample.append((t("Primary sampling units"), _num(m.psus, 0, lang)))
    sample.append((t("Design degrees of freedom"), _num(m.df, 0, lang)))
    design = []
    if m.strata and m.psus:
        design.append(t.format("Stratified cluster sample: {psus} primary sampling units in {strata} strata.",
                               strata=_num(m.strata, 0, lang), psus=_num(m.psus, 0, lang)))
    elif m.psus:
        design.append(t.format("Cluster sample: {psus} primary sampling units.", psus=_num(m.psus, 0, lang)))
    else:
        design.append(t("Sample design as declared in the questionnaire."))
    design.append(t.format(
        "Standard errors by Taylor linearisation (with-replacement approximation at the first stage), "
        "accounting for the weighting, as R's survey package computes them; 95% confidence intervals use the "
        "t distribution on {df} design degrees of freedom.", df=_num(m.df, 0, lang)))
    design.append(t.format("Strata with a single primary sampling unit: {rule}.",
                           rule=t(LONELY_PSU_RULES.get(m.lonely_psu, m.lonely_psu))))
    if m.weighting:
        design.append(t.format("Weights: {methods}; population: {population}.",
                               methods="; ".join(t(WEIGHTING_METHODS.get(s.method, s.method)) for s in m.weighting),
                               population=m.population or "—"))
    else:
        design.append(t("Weights: the design weights, not adjusted to population margins."))
    reporting = [
        t.format("Estimates based on fewer than {min_base} respondents are not shown; those based on fewer than "
                 "{low_base} are marked * (low base), and those with a coefficient of variation above {max_cv} "
                 "are marked † (unreliable).",
                 min_base=_num(m.min_base, 0, lang), low_base=_num(m.low_base, 0, lang),
                 max_cv=_num(m.max_cv, 2, lang)),
        t.format("Each group is compared with the rest of the population by a design-based t test; the p-values "
                 "of each table are adjusted for multiple comparisons by {method}, and differences with an "
                 "adjusted p-value below {alpha} are called significant.",
                 method=t(ADJUST_METHODS.get(m.adjust, m.adjust)), alpha=_num(m.alpha, 2, lang)),
    ]
    margins_note = ""
    if m.deff is not None:
        margins_note = t.format(
            "Margin of error of a 50% share: t × √(deff × 0.25 / n), with t the 97.5% quantile of the t "
            "distribution on {df} degrees of freedom and deff = {deff} ({which}); in percentage points. "
            "A key item's own margin is half the width of its 95% confidence interval.",
            df=_num(m.df, 0, lang), deff=_num(m.deff, 2, lang),
            which=t.format("the median design effect of the top-two shares of the key items: {items}",
                           items="; ".join(m.deff_items)))
    return {"sample": sample, "design": design, "weighting": [_weighting_pairs(s, lang) for s in m.weighting],
            "reporting": reporting, "margins_note": margins_note}
