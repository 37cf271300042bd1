"""The annual run: an analysis plan in, every table, figure and recommendation out.

:func:`compute` reads every wave against the questionnaire, weights it, builds
the breakdown tables, the trend table, the plan's small-area (model-based) estimates
of the current wave and the recommendations of each wave (each wave's plan tracked
by the next; the current wave's rules also see the small-area estimates), and
returns them in a :class:`RunResult`.
:mod:`trustsurvey.publish` writes them out; :func:`published_numbers` lists every
number a report publishes, for the manifest and :mod:`trustsurvey.reproduce`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from .breakdown import breakdown, relabel, trend
from .io import read_survey
from .plan import AnalysisPlan
from .questionnaire import Questionnaire

__all__ = ["RunResult", "compute", "published_numbers", "methodology", "margins_of_error", "key_items",
           "SMALL_AREA_TABLE_COLUMNS"]

#: Columns of :meth:`RunResult.small_area_table` (``small_area.csv``): the tidy layout of
#: :meth:`trustsurvey.SmallAreaResult.tidy` with the labels of the item, the area and its region.
SMALL_AREA_TABLE_COLUMNS = ["item", "item_label", "metric", "level", "by", "group", "group_label", "region",
                            "region_label", "estimate", "se", "ci_low", "ci_high", "cv", "n_unweighted",
                            "n_weighted", "direct", "direct_se", "source", "flag", "national", "regional"]
#: values of a suppressed small-area estimate the published table leaves empty
_SMALL_AREA_HIDDEN = ["estimate", "se", "ci_low", "ci_high", "cv", "direct", "direct_se"]


@dataclass(frozen=True, eq=False)
class RunResult:
    """Everything one run computed (no files written)."""

    plan: AnalysisPlan
    questionnaire: Questionnaire
    surveys: Mapping[int, object]
    tables: Mapping[int, pd.DataFrame]
    trend: pd.DataFrame
    recommendations: Mapping[int, object] = field(default_factory=dict)
    #: the plan's small-area estimates of the current wave (SmallAreaResult, one per ``small_area`` entry)
    small_area: tuple = ()
    _labelled: dict = field(default_factory=dict, repr=False, compare=False)  # tables relabelled once per language

    @property
    def current(self) -> int:
        return self.plan.current

    @property
    def previous(self) -> int | None:
        years = [y for y in sorted(self.surveys) if y < self.current]
        return years[-1] if years else None

    def table(self, lang: str = "en", wave: int | None = None) -> pd.DataFrame:
        """The breakdown table of a wave with labels in ``lang``.

        Like every labelled table of the run (:meth:`trend_table`, :meth:`small_area_table`), its
        text columns hold Python strings (``object``): the report reads them value by value, which
        is faster from Python objects than from Arrow-backed strings.
        """
        key = ("table", lang, self.current if wave is None else wave)
        if key not in self._labelled:
            self._labelled[key] = _text_as_objects(relabel(self.tables[key[2]], self.questionnaire, lang))
        return self._labelled[key].copy()

    def local(self) -> pd.DataFrame | None:
        """The small-area estimates in the tidy layout, every entry of the plan in one table (None without)."""
        return _local(self.small_area)

    def small_area_table(self, lang: str = "en") -> pd.DataFrame:
        """The published small-area table (:data:`SMALL_AREA_TABLE_COLUMNS`) with labels in ``lang``.

        A suppressed estimate (flag ``suppress``) keeps its row, its flag and its
        respondents, but not its numbers: as the breakdown tables do for a group with
        too few respondents. An empty table without ``small_area`` in the plan.
        """
        key = ("small_area", lang)
        if key not in self._labelled:
            self._labelled[key] = _text_as_objects(_small_area_table(self.small_area, self.questionnaire, lang))
        return self._labelled[key].copy()

    def trend_table(self, lang: str = "en") -> pd.DataFrame:
        """The trend table with labels in ``lang``."""
        key = ("trend", lang)
        if key not in self._labelled:
            self._labelled[key] = _text_as_objects(relabel(self.trend, self.questionnaire, lang))
        return self._labelled[key].copy()


def _text_as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its string columns as Python objects (missing text stays missing)."""
    text = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
    return frame.astype({c: object for c in text}) if text else frame


def compute(plan: AnalysisPlan, *, progress: Callable[[str], None] | None = None) -> RunResult:
    """Run the plan's analysis: read, weight, break down, trend, recommend.

    Parameters
    ----------
    plan : AnalysisPlan
    progress : callable, optional
        Called with a short description before each step (the CLI's progress bar).
    """
    say = progress or (lambda _msg: None)
    q = Questionnaire.from_yaml(plan.questionnaire)
    check_languages(plan, q)
    surveys: dict[int, object] = {}
    for year, path in plan.waves.items():
        say(f"reading wave {year}")
        s = read_survey(path, q, wave=year, extra=plan.extra)
        if plan.weighting and q.weighting is not None:
            say(f"weighting wave {year}")
            s = s.weight()
        surveys[year] = s
    options = dict(items=plan.items, by=plan.by, metrics=plan.metrics, min_base=plan.min_base,
                   low_base=plan.low_base, max_cv=plan.max_cv, adjust=plan.adjust, alpha=plan.alpha)
    tables = {}
    for year, s in surveys.items():
        say(f"breakdown tables {year}")
        tables[year] = breakdown(s, **options)
    say("trends")
    tr = trend(surveys, tables=tables, **options) if len(surveys) > 1 else pd.DataFrame()
    small = _small_area(plan, surveys[plan.current], say)
    recs = _recommendations(plan, surveys, tables, tr, say, local=_local(small))
    return RunResult(plan=plan, questionnaire=q, surveys=surveys, tables=tables, trend=tr,
                     recommendations=recs, small_area=small)


def _small_area(plan: AnalysisPlan, survey, say) -> tuple:
    """The plan's ``small_area`` entries estimated on the current wave (its weighted survey)."""
    from .errors import PlanError, TrustSurveyError
    from .smallarea import small_area

    out = []
    for i, spec in enumerate(plan.small_area):
        say(f"small-area estimates: {spec.name}")
        try:
            out.append(small_area(survey, spec.item, area=spec.area, covariates=spec.covariates, region=spec.region,
                                  population=spec.population, metric=spec.metric, formula=spec.formula,
                                  method=spec.method, cv_caution=spec.cv_caution, cv_suppress=spec.cv_suppress))
        except PlanError:
            raise
        except TrustSurveyError as exc:
            where = f"{plan.path}: " if plan.path else ""
            key = "small_area" if len(plan.small_area) == 1 else f"small_area[{i}]"
            raise PlanError(f"{where}{key} ({spec.name}, covariates {str(spec.covariates)!r}): {exc}") from exc
    return tuple(out)


def _local(results) -> pd.DataFrame | None:
    """Small-area results in one tidy table (the ``local`` table of the recommendation rules); None without."""
    return pd.concat([r.tidy() for r in results], ignore_index=True) if results else None


def _small_area_table(results, questionnaire: Questionnaire, lang: str) -> pd.DataFrame:
    from .labels import meaning

    if not results:
        return pd.DataFrame(columns=SMALL_AREA_TABLE_COLUMNS)
    m = meaning(questionnaire, lang)
    parts = []
    for r in results:
        t = r.tidy()
        t["item_label"] = m.item(r.item)
        t["group_label"] = [m.group(r.area, g) for g in t["group"]]
        t["region_label"] = [m.group(r.region, g) if r.region is not None and g else "" for g in t["region"]]
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)[SMALL_AREA_TABLE_COLUMNS]
    out.loc[out["flag"] == "suppress", _SMALL_AREA_HIDDEN] = np.nan
    return out


def check_languages(plan: AnalysisPlan, questionnaire: Questionnaire) -> None:
    """The plan's languages must be languages of the questionnaire (``sr-Cyrl`` where it has ``sr``).

    Raises
    ------
    PlanError
        Naming the plan's ``languages`` key and the languages the questionnaire declares.
    """
    from .errors import PlanError
    from .labels import languages_of

    available = languages_of(questionnaire)
    bad = [lang for lang in plan.languages if lang not in available]
    if bad:
        where = f"{plan.path}: " if plan.path else ""
        raise PlanError(f"{where}languages (or --lang): {', '.join(bad)} not declared by the questionnaire "
                        f"{questionnaire.survey_id!r}; choose from {', '.join(available)}")


def key_items(plan: AnalysisPlan, questionnaire: Questionnaire, table: pd.DataFrame) -> list[str]:
    """The plan's key items, or the first scaled items and indices of the questionnaire (at most six)."""
    present = set(table["item"])
    if plan.key_items:
        return [i for i in plan.key_items if i in present]
    first = [q.id for q in questionnaire.questions if q.type == "single" and q.id in present][:4]
    return first + [i for i in questionnaire.index_ids if i in present][:2]


def margins_of_error(result: RunResult, lang: str = "en") -> tuple[pd.DataFrame, pd.DataFrame, float | None,
                                                                  list[str]]:
    """Margins of error of the current wave: of a 50% share per group, and of each key item.

    The margin of a 50% share in a group of n respondents is t × √(deff × 0.25 / n), with t the
    97.5% quantile of the t distribution on the design's degrees of freedom and deff the median
    design effect of the national top-two shares of the key items (all items' when no key item has
    one). A key item's own margin is half the width of its 95% interval.

    Returns
    -------
    (margins, key_margins, deff, deff_items)
        ``margins``: ``by, group, group_label, n_unweighted, deff, df, moe`` (national first, then
        each group of each demographic of the table); ``key_margins``: ``item, item_label, metric,
        estimate, ci_low, ci_high, n_unweighted, moe``; the deff used and the labels of its items.
    """
    from .inference import t_critical
    from .labels import meaning
    from .report.display import margins_of_error as own_margins

    s = result.surveys[result.current]
    table = result.table(lang)
    m = meaning(result.questionnaire, lang)
    keys = key_items(result.plan, result.questionnaire, table)
    nat = table[(table["by"] == "national") & (table["level"].astype(str) == "")]
    top2 = nat[nat["metric"] == "top2"]
    used = top2[top2["item"].isin(keys)]
    if not len(used):
        used = top2
    deffs = pd.to_numeric(used["deff"], errors="coerce").dropna()
    deff = float(deffs.median()) if len(deffs) else None
    deff_items = [m.item(i) for i in used.loc[pd.to_numeric(used["deff"], errors="coerce").notna(), "item"]]
    df = int(s.degf)
    t = float(t_critical(0.95, df))
    rows = [("national", "all", m.population, len(s.data))]
    data = s.data
    for by in [b for b in dict.fromkeys(table["by"]) if b != "national" and b in data.columns]:
        groups = list(dict.fromkeys(table.loc[table["by"] == by, "group"].astype(str)))
        counts = data[by].map(_code).value_counts()
        rows += [(by, g, m.group(by, g), int(counts.get(g, 0))) for g in groups]
    margins = pd.DataFrame(rows, columns=["by", "group", "group_label", "n_unweighted"])
    margins["deff"] = deff if deff is not None else np.nan
    margins["df"] = df
    n = margins["n_unweighted"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        margins["moe"] = np.where(n > 0, t * np.sqrt((deff or np.nan) * 0.25 / n), np.nan)
    key_margins = own_margins(table, items=keys)
    return margins, key_margins, deff, deff_items


def _code(v) -> str:
    from .labels import code_text

    return code_text(v)


def methodology(result: RunResult, lang: str = "en"):
    """What the current wave's report says was done (:class:`trustsurvey.report.methodology.Methodology`)."""
    from .labels import meaning
    from .report.methodology import Methodology, WeightingStep

    s = result.surveys[result.current]
    q = result.questionnaire
    m = meaning(q, lang)
    d = s.design
    spec = d.spec
    steps = []
    for step in s.attrs.get("weighting_steps") or ([s.attrs["weighting"]] if s.attrs.get("weighting") else []):
        details = dict(getattr(step, "details", {}) or {})
        margins = getattr(step, "margins", None)
        variables = (list(dict.fromkeys(margins["margin"].astype(str))) if isinstance(margins, pd.DataFrame)
                     and "margin" in margins.columns else [])
        bounds = details.get("bounds") if step.method == "trim" else None
        steps.append(WeightingStep(
            method=step.method, variables=[m.item(v) for v in variables],
            iterations=getattr(step, "iterations", None), converged=getattr(step, "converged", None),
            max_margin_error=_finite_or_none(getattr(step, "max_margin_error", None)),
            n_excluded=getattr(step, "n_excluded", None), n_imputed=getattr(step, "n_imputed", None),
            weight_min=_finite_or_none(getattr(step, "weight_min", None)),
            weight_max=_finite_or_none(getattr(step, "weight_max", None)),
            kish_deff=_finite_or_none(getattr(step, "kish_deff", None)),
            effective_n=_finite_or_none(getattr(step, "effective_n", None)),
            bounds=tuple(bounds) if bounds is not None and len(bounds) == 2 else None))
    margins, key_margins, deff, deff_items = margins_of_error(result, lang)
    population = ""
    if steps:
        base = m.text(result.plan.base)
        population = f"{m.population}, {base}" if base else m.population
    stage = d.stages[0] if d.stages else None
    plan = result.plan
    return Methodology(
        respondents=len(s.data), df=int(s.degf), strata=stage.n_strata if stage is not None and spec.strata else None,
        psus=stage.n_total_clusters if stage is not None and spec.psu else None,
        strata_variable=m.item(spec.strata) if spec.strata else "",
        psu_variable=m.item(spec.psu[0]) if spec.psu else "", lonely_psu=spec.lonely_psu, weighting=tuple(steps),
        population=population, min_base=plan.min_base, low_base=plan.low_base, max_cv=plan.max_cv,
        adjust=plan.adjust, alpha=plan.alpha, deff=deff, deff_items=tuple(deff_items), margins=margins,
        key_margins=key_margins)


def _finite_or_none(x):
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _recommendations(plan, surveys, tables, tr, say, local: pd.DataFrame | None = None) -> dict[int, object]:
    from .recommend import recommend

    out: dict[int, object] = {}
    previous_plan = plan.previous_plan
    years = sorted(surveys)
    for i, year in enumerate(years):
        say(f"recommendations {year}")
        wave_trend = tr[tr["wave"] <= year] if len(tr) and i > 0 else None
        prior = out[years[i - 1]].to_frame() if i > 0 else previous_plan
        out[year] = recommend(surveys[year], tables=tables[year], trend=wave_trend, previous_plan=prior,
                              rules=plan.rules or None, alpha=plan.alpha, wave=year,
                              local=local if year == plan.current else None)
    return out


_TABLE_KEYS = ["item", "metric", "level", "by", "group"]
_TABLE_VALUES = ["estimate", "se", "ci_low", "ci_high", "n_unweighted", "n_weighted", "deff", "p_value", "p_adj"]
_SMALL_AREA_KEYS = ["item", "metric", "by", "group"]
_SMALL_AREA_VALUES = ["estimate", "se", "ci_low", "ci_high", "cv", "n_unweighted", "n_weighted", "direct",
                      "direct_se", "national", "regional"]
_TREND_VALUES = ["estimate", "se", "change", "change_se", "change_p", "change_p_adj", "trend_slope", "trend_p"]


def _numbers(frame: pd.DataFrame, keys: list[str], values: list[str]) -> dict[str, list]:
    if frame is None or len(frame) == 0:
        return {}
    # built column-wise: the keys by joining whole columns, the values as one float matrix
    key = np.asarray(frame[keys[0]].astype(str).to_numpy(dtype=object), dtype=object)
    for c in keys[1:]:
        key = key + "|" + frame[c].astype(str).to_numpy(dtype=object)
    v = frame[values].to_numpy(dtype=float)
    rows = np.where(np.isfinite(v), v, np.nan).astype(object)
    rows[~np.isfinite(v)] = None
    return dict(zip(key.tolist(), rows.tolist()))


def published_numbers(result: RunResult) -> dict[str, dict]:
    """Every published number by table id and row key (for the manifest and reproduction).

    Returns ``{table id: {"columns": [...], "keys": [...], "rows": {row key: [values]}}}``: a row
    key joins the row's ``keys`` fields with ``|``; rows are in the table's order.
    """
    out: dict[str, dict] = {}
    for year, t in result.tables.items():
        out[f"breakdown_{year}"] = {"columns": _TABLE_VALUES, "keys": _TABLE_KEYS,
                                    "rows": _numbers(t, _TABLE_KEYS, _TABLE_VALUES)}
    if len(result.trend):
        out["trend"] = {"columns": _TREND_VALUES, "keys": _TABLE_KEYS + ["wave"],
                        "rows": _numbers(result.trend, _TABLE_KEYS + ["wave"], _TREND_VALUES)}
    if result.small_area:
        # the published table: a suppressed area's numbers are not published, so not in the manifest
        out[f"small_area_{result.current}"] = {
            "columns": _SMALL_AREA_VALUES, "keys": _SMALL_AREA_KEYS,
            "rows": _numbers(result.small_area_table(), _SMALL_AREA_KEYS, _SMALL_AREA_VALUES)}
    for year, recs in result.recommendations.items():
        frame = recs.to_frame()
        cols = [c for c in ("priority", "estimate", "ci_low", "ci_high", "previous", "change", "p_value",
                            "p_adj", "n_unweighted") if c in frame.columns]
        out[f"recommendations_{year}"] = {"columns": cols, "keys": ["id"], "rows": _numbers(frame, ["id"], cols)}
    return out
