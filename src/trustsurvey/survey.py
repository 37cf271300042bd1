"""The public face: a :class:`Survey` is data + design + (optionally) the questionnaire.

A Survey is immutable: weighting, subsetting and adding columns return new
Surveys. Its methods delegate to the statistical layers (estimation,
weighting, significance) and wrap their results.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from . import estimation
from .design import Design, DesignSpec, _as_tuple, prepare_design
from .errors import DesignError, EstimationError, LanguageError, WeightingError
from .estimate import Estimate
from .sample import Sample

__all__ = ["Survey"]


def _code_text(value: Any) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _variable_label(q: Any, name: str, lang: str) -> str:
    return q.label(name, lang) if q.has_variable(name) else str(name)


def _value_label(q: Any, name: str, value: Any, lang: str) -> str:
    """The label of a code of a variable from the questionnaire; the code as text if it has none."""
    text = _code_text(value)
    if not q.has_variable(name):
        return text
    try:
        code: Any = float(text)
        code = int(code) if float(code).is_integer() else code
    except ValueError:
        code = text
    try:
        return q.value_label(name, code, lang)
    except Exception:  # a code the questionnaire does not label
        return text


class Survey:
    """A survey sample with its design, like R's ``svydesign``/``svrepdesign``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent. It is copied; the caller's frame is never modified.
    weights : str, optional
        Column of sampling weights (inverse inclusion probabilities, *not*
        frequency weights). Without weights but with ``fpc`` they are derived
        from the sampling fractions, as R does; with neither, all are 1.
    strata : str, optional
        Column of first-stage strata.
    psu : str or tuple of str, optional
        Cluster column(s), one per stage; omitted: every respondent is a PSU.
    fpc : str or tuple of str, optional
        Finite population correction per stage: population counts, or sampling
        fractions (all values at most 1). Without it, PSUs are treated as drawn
        with replacement.
    nest : bool
        PSU ids repeat across strata and are only unique within them.
    lonely_psu : {"fail", "remove", "adjust", "average", "certainty"}
        Strata with a single PSU, with the meanings of R's ``survey.lonely.psu``.
    adjust_domain_lonely : bool
        R's ``options(survey.adjust.domain.lonely=TRUE)``: in a domain, a stratum of
        which only one PSU has respondents is treated like a lonely PSU (with
        ``lonely_psu="adjust"``: centred on zero; ``"average"``: left out).
    replicate_weights : str or list of str, optional
        A glob (``"brr_*"``) or list of replicate weight columns (which already
        include the sampling weights).
    replicate_method : {"brr", "fay", "jk1", "jkn", "bootstrap", "subbootstrap"}, optional
        R's ``svrepdesign`` types (R's spellings ``"JK1"``, ``"JKn"``, ``"BRR"``, ``"Fay"`` too).
    fay_rho, scale, rscales, mse
        As in R's ``svrepdesign``.
    questionnaire : Questionnaire, optional
        The definition the data were validated against.
    missing_kinds : pandas.DataFrame, optional
        Why each missing answer is missing (``dont_know``, ``refused``, ...).

    Examples
    --------
    >>> import pandas as pd
    >>> import trustsurvey as ts
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, 1, 2, 2], "psu": [1, 2, 3, 4]})
    >>> s = ts.Survey(df, weights="w", psu="psu")
    >>> round(float(s.mean("y").to_frame()["estimate"][0]), 4)
    2.8333
    """

    def __init__(self, data: pd.DataFrame, *, weights: str | None = None, strata: str | None = None,
                 psu: str | Sequence[str] | None = None, fpc: str | Sequence[str] | None = None,
                 nest: bool = False, lonely_psu: str = "fail", adjust_domain_lonely: bool = False,
                 replicate_weights: str | Sequence[str] | None = None,
                 replicate_method: str | None = None, fay_rho: float = 0.0,
                 scale: float | None = None, rscales: float | Sequence[float] | None = None,
                 mse: bool = False, questionnaire: Any = None,
                 missing_kinds: pd.DataFrame | None = None) -> None:
        if not isinstance(data, pd.DataFrame):
            raise DesignError(f"data must be a pandas DataFrame, not {type(data).__name__}")
        data = data.reset_index(drop=True)  # a new frame: under copy-on-write, no data are copied
        rep_cols: tuple[str, ...] = ()
        if replicate_weights is not None:
            from .design import _match_replicates
            rep_cols = _match_replicates(data, replicate_weights)
            if replicate_method is None:
                raise DesignError("replicate_weights= needs replicate_method= "
                                  "('brr', 'fay', 'jk1', 'jkn', 'bootstrap' or 'subbootstrap')")
        if rscales is not None and np.ndim(rscales) == 0:
            rscales = (float(rscales),)
        spec = DesignSpec(
            weights=weights, strata=strata, psu=_as_tuple(psu), fpc=_as_tuple(fpc), nest=nest,
            lonely_psu=lonely_psu, replicate_weights=rep_cols, replicate_method=replicate_method,
            fay_rho=fay_rho, scale=scale,
            rscales=None if rscales is None else tuple(float(r) for r in rscales), mse=mse,
            adjust_domain_lonely=adjust_domain_lonely)
        design = prepare_design(data, spec)
        self._init(data, design, questionnaire, missing_kinds, None, {})

    # ----------------------------------------------------------------- construction helpers
    def _init(self, data, design, questionnaire, missing_kinds, domain, attrs) -> None:
        self._data = data
        self._design = design
        self._questionnaire = questionnaire
        self._missing_kinds = None if missing_kinds is None else missing_kinds.reset_index(drop=True)
        self._domain = domain
        self._attrs = dict(attrs)
        self._cache: dict = {}  # prepared columns and groupings of recent calls (estimation); never user-visible

    def _derive(self, *, data=None, design=None, domain=None, keep_domain=True, attrs=None) -> "Survey":
        new = object.__new__(Survey)
        new._init(self._data if data is None else data,
                  self._design if design is None else design,
                  self._questionnaire, self._missing_kinds,
                  (self._domain if keep_domain else None) if domain is None else domain,
                  {**self._attrs, **(attrs or {})})
        return new

    def with_design(self, design: Design, **attrs: Any) -> "Survey":
        """A new Survey on the same data with another prepared design (used by weighting)."""
        if design.n != len(self._data):
            raise DesignError("the design does not fit the data (row counts differ)")
        return self._derive(design=design, attrs=attrs)

    def with_columns(self, columns: Mapping[str, Any] | pd.DataFrame) -> "Survey":
        """A new Survey with columns added or replaced (same rows, same design).

        >>> import pandas as pd, trustsurvey as ts
        >>> s = ts.Survey(pd.DataFrame({"y": [1.0, 2.0]}))
        >>> s.with_columns({"z": [3, 4]}).data.columns.tolist()
        ['y', 'z']
        """
        new = self._data.copy()
        items = columns.items() if isinstance(columns, Mapping) else columns.items()
        for name, values in items:
            values = values.array if isinstance(values, pd.Series) else values
            if len(values) != len(new):
                raise EstimationError(f"column {name!r} has {len(values)} values for {len(new)} respondents")
            new[name] = values
        return self._derive(data=new)

    # ----------------------------------------------------------------- properties
    @property
    def data(self) -> pd.DataFrame:
        """The analysis data (a copy; missing codes are NA). Rows outside a domain are kept."""
        return self._data.copy()

    @property
    def design(self) -> Design:
        return self._design

    @property
    def sample(self) -> Sample:
        """The design, the data (shared, not copied: read only) and the domain, for the statistics layers."""
        return Sample(self._design, self._data, self._domain)

    @property
    def questionnaire(self):
        return self._questionnaire

    @property
    def missing_kinds(self) -> pd.DataFrame | None:
        return None if self._missing_kinds is None else self._missing_kinds.copy()

    @property
    def domain(self) -> np.ndarray | None:
        """Boolean mask of the domain (None: the whole sample)."""
        return None if self._domain is None else self._domain.copy()

    @property
    def attrs(self) -> Mapping[str, Any]:
        """Read-only metadata carried along (weighting diagnostics, citations, ...)."""
        return MappingProxyType(self._attrs)

    @property
    def weights(self) -> pd.Series:
        """The sampling weights, aligned with :attr:`data`."""
        return pd.Series(self._design.weights, index=self._data.index, name="weight")

    @property
    def degf(self) -> int:
        """Design degrees of freedom (of the domain, for a subset), as R's ``degf``."""
        return self._design.domain_degf(self._domain)

    @property
    def n(self) -> int:
        """Number of respondents (in the domain)."""
        return int(len(self._data) if self._domain is None else self._domain.sum())

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        d = self._design
        spec = d.spec
        if d.is_replicate:
            kind = f"{spec.replicate_method} replicate design with {d.n_replicates} replicates"
        else:
            parts = []
            if spec.strata:
                parts.append(f"{d.stages[0].n_strata} strata ({spec.strata})")
            if spec.psu:
                parts.append(f"{d.stages[0].n_total_clusters} PSUs ({spec.psu[0]})")
            kind = "design with " + (", ".join(parts) if parts else "independent sampling")
        dom = "" if self._domain is None else f", domain of {self.n}"
        cal = f", {len(d.calibration)} weighting step(s)" if d.calibration else ""
        return f"<Survey: {len(self._data)} respondents{dom}; {kind}{cal}; df={self.degf}>"

    # ----------------------------------------------------------------- domains
    def subset(self, mask_or_query: Any) -> "Survey":
        """A domain (subpopulation) that keeps the whole design for variance estimation.

        Parameters
        ----------
        mask_or_query : array-like of bool or str
            A boolean mask aligned with the data, or an expression in the
            questionnaire's safe expression language (``"region == 6 and gender == 2"``).
        """
        if isinstance(mask_or_query, str):
            from .questionnaire.expressions import parse_expression

            mask = np.asarray(parse_expression(mask_or_query).evaluate(self._data), dtype=bool)
        else:
            mask = np.asarray(mask_or_query)
            if mask.dtype != bool:
                mask = mask.astype(bool)
        if mask.shape != (len(self._data),):
            raise EstimationError(f"subset mask has {mask.size} values for {len(self._data)} respondents")
        if self._domain is not None:
            mask = mask & self._domain
        if not mask.any():
            raise EstimationError("the subset is empty: no respondent satisfies it")
        return self._derive(domain=mask)

    # ----------------------------------------------------------------- estimates
    def _labelled(self, est: Estimate, lang: str) -> Estimate:
        """With a questionnaire: label columns after the key columns (``<by>_label``,
        ``variable_label``, ``level_label``)."""
        if self._questionnaire is None:
            return est
        from dataclasses import replace

        keys = list(est.by) + ["variable"] + ([] if est.kind == "quantile" else ["level"])
        return replace(est, table=self._label_columns(est.table, keys, lang))

    def _label_columns(self, table: pd.DataFrame, keys: Sequence[str], lang: str) -> pd.DataFrame:
        """Label columns from the questionnaire (the layer below; ``ts.breakdown`` and the reports take
        theirs from the meaning layer, which adds ``sr-Cyrl``)."""
        q = self._questionnaire
        langs = tuple(getattr(q, "languages", ()) or ())
        if langs and lang not in langs:
            raise LanguageError(f"lang={lang!r} is not a language of the questionnaire; choose one of "
                                f"{', '.join(langs)}")
        out = table.copy()
        for key in keys:
            if key == "variable":
                labels = [_variable_label(q, v, lang) for v in out[key]]
            elif key == "level":
                labels = [_value_label(q, v, lev, lang) if lev not in ("", None) else "" for v, lev in
                          zip(out["variable"], out["level"])]
            else:
                labels = [_value_label(q, key, v, lang) for v in out[key]]
            out.insert(out.columns.get_loc(key) + 1, f"{key}_label", labels)
        return out

    def _categorical(self, variables) -> tuple[str, ...]:
        """Variables the questionnaire codes as categories (a scale of codes; not multiple-response options)."""
        q = self._questionnaire
        if q is None:
            return ()
        names = [variables] if isinstance(variables, str) else list(variables)
        out = []
        for v in names:
            if not q.has_variable(v) or v in getattr(q, "index_ids", ()):
                continue
            scale = q.scale_for(v)
            if scale is None or not scale.valid_codes or type(q.variable(v)).__name__ == "Option":
                continue
            out.append(v)
        return tuple(out)

    def mean(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *,
             conf_level: float = 0.95, lang: str = "en") -> Estimate:
        """Means (shares of each level for categorical variables), like R's ``svymean``/``svyby``.

        Several variables and by-variables are estimated in one pass; by-variables are
        crossed. Missing answers are left out variable by variable. Intervals use the
        t distribution on the degrees of freedom of each group's domain (R's ``degf``
        of the subset design, as ``confint`` on ``subset()`` and ``svyby``), reported
        in ``df``: a group's interval is the same by ``by=`` and by :meth:`subset`.

        Returns
        -------
        Estimate
            ``.to_frame()`` columns: ``<by...>, variable, level, estimate, se, ci_low,
            ci_high, df, deff, n_unweighted, n_weighted``; with a questionnaire, a label
            column after each key (``<by>_label``, ``variable_label``, ``level_label``)
            in ``lang``.
        """
        est = estimation.mean(self._design, self._data, variables, by, self._domain, conf_level=conf_level,
                              cache=self._cache)
        return self._labelled(est, lang)

    def total(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *,
              conf_level: float = 0.95, lang: str = "en") -> Estimate:
        """Population totals, like R's ``svytotal``.

        A categorical variable (text, pandas Categorical, or coded as categories in the
        questionnaire) gives the weighted count of every category with its standard
        error, as ``svytotal(~factor(x))``; numbers give their total.
        """
        est = estimation.total(self._design, self._data, variables, by, self._domain, conf_level=conf_level,
                               cache=self._cache, categorical=self._categorical(variables))
        return self._labelled(est, lang)

    def proportion(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *,
                   ci_method: str = "logit", conf_level: float = 0.95, lang: str = "en") -> Estimate:
        """The share of every level (category), with intervals like R's ``svyciprop``.

        ``ci_method``: ``logit`` (default), ``likelihood`` (R's profile likelihood),
        ``beta`` (Korn-Graubard), ``xlogit``, ``mean`` (Wald), ``asin``, ``wilson`` (see
        :func:`trustsurvey.inference.proportion_interval`). With ``by=``, each group's
        interval is R's ``svyby(..., svyciprop)``: on the group's own degrees of freedom.
        """
        est = estimation.proportion(self._design, self._data, variables, by, self._domain,
                                    ci_method=ci_method, conf_level=conf_level, cache=self._cache)
        return self._labelled(est, lang)

    def ratio(self, numerator: str | Sequence[str], denominator: str | Sequence[str],
              by: str | Sequence[str] | None = None, *, conf_level: float = 0.95, lang: str = "en") -> Estimate:
        """Ratios of totals, like R's ``svyratio``."""
        est = estimation.ratio(self._design, self._data, numerator, denominator, by, self._domain,
                               conf_level=conf_level)
        if self._questionnaire is None:
            return est
        from dataclasses import replace

        return replace(est, table=self._label_columns(est.table, list(est.by), lang))

    def quantile(self, variables: str | Sequence[str], probs: float | Sequence[float] = (0.25, 0.5, 0.75),
                 by: str | Sequence[str] | None = None, *, qrule: str = "math", interval_type: str = "mean",
                 conf_level: float = 0.95, lang: str = "en") -> Estimate:
        """Quantiles with their intervals, like R's ``svyquantile``.

        ``qrule``: ``math`` (default), ``school``, ``shahvaish``, ``hf1`` .. ``hf9``;
        ``interval_type``: ``mean`` (Woodruff, default), ``beta``, ``xlogit``, ``asin``,
        ``score`` (linearisation designs), ``quantile`` (replicate designs). See
        :mod:`trustsurvey.quantiles`.
        """
        est = estimation.quantile(self._design, self._data, variables, probs, by, self._domain, qrule=qrule,
                                  interval_type=interval_type, conf_level=conf_level)
        return self._labelled(est, lang)

    def crosstab(self, row: str, col: str, *, percent: str = "col", ci_method: str = "logit",
                 statistic: str = "F", conf_level: float = 0.95, lang: str = "en"):
        """A weighted two-way table with row, column or cell percentages and its Rao-Scott test.

        Parameters
        ----------
        row, col : str
            Two categorical (or coded) variables; respondents missing either are left out.
        percent : {"col", "row", "cell"}
            Shares of each column level (the banner convention), of each row level, or
            of the whole table; each with its standard error and interval on its
            domain's degrees of freedom (R's ``svyby(~row, ~col, svymean)`` ...).
        ci_method : str
            Interval of the shares (``"mean"``: R's Wald ``confint``).
        statistic : str
            The test of independence (R's ``svychisq``): ``F`` (Rao-Scott, default),
            ``Chisq``, ``adjWald``, ``Wald``.

        Returns
        -------
        Crosstab
            ``.to_frame()`` (tidy: counts with SEs and the percentages), ``.to_banner()``
            (wide), ``.test`` (a ChisqResult).

        Examples
        --------
        >>> import trustsurvey as ts
        >>> s = ts.Survey(ts.datasets.load_api("apiclus1"), weights="pw", psu="dnum", fpc="fpc")
        >>> ct = s.crosstab("sch_wide", "stype")
        >>> ct.to_banner().round(1)
        stype        E     H     M
        sch_wide
        No         8.3  21.4  32.0
        Yes       91.7  78.6  68.0
        n        144.0  14.0  25.0
        """
        from dataclasses import replace

        from .crosstab import crosstab
        from .significance import chisq

        ct = crosstab(self._design, self._data, row, col, self._domain, percent=percent, ci_method=ci_method,
                      conf_level=conf_level)
        both = self._data[row].notna().to_numpy() & self._data[col].notna().to_numpy()
        test = chisq(self.subset(both), row, col, statistic=statistic)
        table = ct.table if self._questionnaire is None else self._label_columns(ct.table, [row, col], lang)
        return replace(ct, table=table, test=test)

    # ----------------------------------------------------------------- replicate designs
    def to_replicate(self, method: str = "auto", *, replicates: int | None = None,
                     seed: int | None = 2025) -> "Survey":
        """A replicate-weight version of this linearisation design (R's ``as.svrepdesign``).

        Parameters
        ----------
        method : {"auto", "jk1", "jkn", "bootstrap", "subbootstrap", "brr"}
            R's types: ``auto`` is ``jk1`` for an unstratified design and ``jkn`` for a
            stratified one; ``jk1`` is refused on a stratified design (it would ignore
            the strata); ``bootstrap`` is Canty and Davison's, ``subbootstrap`` Rao and
            Wu's (see :mod:`trustsurvey.replicates`).
        replicates : int, optional
            Number of bootstrap replicates (default 200).
        seed : int, optional
            Seed of the bootstrap.
        """
        from .replicates import make_replicate_design

        return self._derive(design=make_replicate_design(self._design, method, replicates=replicates,
                                                         seed=seed))

    # ----------------------------------------------------------------- weighting (weighting/)
    def _reweighted(self, what: str, function, /, *args, **kwargs) -> "Survey":
        if self._domain is not None:
            raise WeightingError(
                f"{what}() was called on a subset (domain) of the survey; weighting applies to the whole "
                "sample: weight first, then take the subset")
        out = function(self._design, self._data, *args, **kwargs)
        return self._with_steps(out.design, (out.result,))

    def _with_steps(self, design: Design, results: tuple, **attrs: Any) -> "Survey":
        previous = tuple(self._attrs.get("weighting_steps", ()))
        return self._derive(design=design, attrs={"weighting": results[-1],
                                                  "weighting_steps": previous + tuple(results), **attrs})

    def rake(self, margins, **kwargs) -> "Survey":
        """Raking (iterative proportional fitting) to population margins, as R's ``rake()``.

        Returns a new Survey whose variances account for the raking; the diagnostics are in
        ``attrs["weighting"]``. Options: see :func:`trustsurvey.weighting.rake`.
        """
        from .weighting import rake

        return self._reweighted("rake", rake, margins, **kwargs)

    def poststratify(self, cells, **kwargs) -> "Survey":
        """Post-stratification to population cell counts; see :func:`trustsurvey.weighting.poststratify`."""
        from .weighting import poststratify

        return self._reweighted("poststratify", poststratify, cells, **kwargs)

    def calibrate(self, totals, **kwargs) -> "Survey":
        """Calibration to population totals; see :func:`trustsurvey.weighting.calibrate`."""
        from .weighting import calibrate

        return self._reweighted("calibrate", calibrate, totals, **kwargs)

    def trim_weights(self, lower=None, upper=None, **kwargs) -> "Survey":
        """Weight trimming with redistribution; see :func:`trustsurvey.weighting.trim_weights`.

        >>> import pandas as pd, trustsurvey as ts
        >>> s = ts.Survey(pd.DataFrame({"w": [1.0, 2.0, 3.0, 10.0]}), weights="w")
        >>> s.trim_weights(upper=5).weights.round(4).tolist()
        [2.6667, 3.6667, 4.6667, 5.0]
        """
        from .weighting import trim_weights

        return self._reweighted("trim_weights", trim_weights, lower=lower, upper=upper, **kwargs)

    def nonresponse_adjust(self, respondent, **kwargs) -> "Survey":
        """Move nonrespondents' weight to respondents of their class; see
        :func:`trustsurvey.weighting.nonresponse_adjust`."""
        from .weighting import nonresponse_adjust

        return self._reweighted("nonresponse_adjust", nonresponse_adjust, respondent, **kwargs)

    def weight(self, *, questionnaire: Any = None, method: str | None = None, trim: Any = None,
               **options: Any) -> "Survey":
        """Apply the questionnaire's weighting scheme (targets, method, trimming) and keep its sources.

        Parameters
        ----------
        questionnaire : Questionnaire, optional
            Use this questionnaire's ``weighting`` section instead of the survey's.
        method : {"rake", "poststratify", "calibrate"}, optional
            Override the section's method.
        trim : (lower, upper) or dict, optional
            Trim the weights afterwards.
        **options
            Passed to the method (``missing=``, ``max_iter=``, ``tol=``, ...).

        Returns
        -------
        Survey
            Weighted; ``attrs["weighting"]`` (diagnostics of the last step),
            ``attrs["weighting_steps"]``, ``attrs["weighting_sources"]`` (citations) and
            ``attrs["weighting_population"]``.

        Raises
        ------
        WeightingError
            No questionnaire or no weighting section, or any error of the method.
        """
        from .weighting import apply_scheme

        q = questionnaire if questionnaire is not None else self._questionnaire
        if q is None:
            raise WeightingError("this survey has no questionnaire to take the weighting scheme from; read it "
                                 "with ts.read_survey(data, questionnaire), pass questionnaire=, or call "
                                 "rake()/calibrate() with targets")
        section = getattr(q, "weighting", None)
        if section is None:
            name = getattr(q, "survey_id", None)
            raise WeightingError(f"the questionnaire{f' {name!r}' if name else ''} has no weighting section; "
                                 "add one (method, total, variables with targets and sources)")
        if self._domain is not None:
            raise WeightingError("weight() was called on a subset (domain) of the survey; weighting applies to "
                                 "the whole sample: weight first, then take the subset")
        out = apply_scheme(self._design, self._data, section, method=method, trim=trim, **options)
        return self._with_steps(out.design, out.steps, weighting_sources=out.sources,
                                weighting_population=out.population)

    # ----------------------------------------------------------------- tests and models (significance)
    def chisq(self, row: str, col: str, *, statistic: str = "F"):
        """Design-based test of independence, like R's ``svychisq``."""
        from .significance import chisq

        return chisq(self, row, col, statistic=statistic)

    def ttest(self, variable: str, group: str, **kwargs):
        """Design-based two-group t-test, like R's ``svyttest``."""
        from .significance import ttest

        return ttest(self, variable, group, **kwargs)

    def glm(self, formula: str, family: str = "gaussian", **kwargs):
        """Survey-weighted generalised linear model, like R's ``svyglm`` (``family="ordinal"``: ``svyolr``)."""
        from .significance import glm

        return glm(self, formula, family=family, **kwargs)
