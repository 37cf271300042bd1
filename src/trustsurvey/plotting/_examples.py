"""Small, realistic breakdown and trend tables for examples and tests of figures and reports.

The numbers and names are invented (seeded); the shapes are those of
``ts.breakdown`` and ``ts.trend``: items on trust, agreement and safety scales,
an index, a yes/no item, the national row, eight districts (one with a
suppressed base for one item) and gender.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["example_breakdown", "example_trend"]

_ITEMS = {
    # id: (scale, labels en/sq/sr)
    "trust_police": ("trust5", ("Trust in the police", "Besimi në policinë", "Poverenje u policiju")),
    "respect": ("agree5", ("Police treat people with respect", "Policia i trajton njerëzit me respekt",
                           "Policija se prema ljudima s poštovanjem")),
    "equal_treatment": ("agree5", ("Police treat all groups equally", "Policia i trajton të gjitha grupet njëlloj",
                                   "Policija se jednako odnosi prema svim grupama")),
    "safe_dark": ("safe4", ("Feeling safe walking alone after dark", "Ndjenja e sigurisë pas errësirës",
                            "Osećaj bezbednosti po mraku")),
    "hotline_aware": ("yesno", ("Heard of the police hotline", "Ka dëgjuar për linjën e policisë",
                                "Čuli za telefonsku liniju policije")),
    "confidence_index": ("index", ("Confidence index", "Indeksi i besimit", "Indeks poverenja")),
}

_SCALES = {
    "trust5": ((1, 2, 3, 4, 5), (("No trust at all", "Aspak besim", "Nimalo poverenja"),
                                 ("Little trust", "Pak besim", "Malo poverenja"),
                                 ("Neither", "As po as jo", "Ni jedno ni drugo"),
                                 ("Some trust", "Disi besim", "Donekle poverenja"),
                                 ("Full trust", "Besim i plotë", "Potpuno poverenje"))),
    "agree5": ((1, 2, 3, 4, 5), (("Strongly disagree", "Aspak dakord", "Uopšte se ne slažem"),
                                 ("Disagree", "Nuk pajtohem", "Ne slažem se"),
                                 ("Neither", "As po as jo", "Ni jedno ni drugo"),
                                 ("Agree", "Pajtohem", "Slažem se"),
                                 ("Strongly agree", "Plotësisht dakord", "Potpuno se slažem"))),
    "safe4": ((1, 2, 3, 4), (("Very unsafe", "Shumë i pasigurt", "Veoma nebezbedno"),
                             ("Rather unsafe", "Disi i pasigurt", "Donekle nebezbedno"),
                             ("Rather safe", "Disi i sigurt", "Donekle bezbedno"),
                             ("Very safe", "Shumë i sigurt", "Veoma bezbedno"))),
    "yesno": ((1, 2), (("Yes", "Po", "Da"), ("No", "Jo", "Ne"))),
}

_GROUPS = {
    "district": [(str(k), (f"District {c}", f"Rrethi {c}", f"Okrug {c}"), n)
                 for k, (c, n) in enumerate(zip("ABCDEFGH", (420, 210, 120, 110, 130, 34, 110, 100)), start=1)],
    "gender": [("1", ("Male", "Mashkull", "Muškarac"), 600), ("2", ("Female", "Femër", "Žena"), 634)],
}
_NATIONAL = ("All adults", "Të gjithë të rriturit", "Svi odrasli")
_LANG = {"en": 0, "sq": 1, "sr": 2}
_COLUMNS = ["item", "item_label", "metric", "level", "level_label", "by", "group", "group_label",
            "estimate", "se", "ci_low", "ci_high", "n_unweighted", "n_weighted", "deff", "p_value", "p_adj", "flag"]


def _shares(rng, k: int, lean: float) -> np.ndarray:
    base = np.exp(lean * np.linspace(-1.0, 1.0, k)) * rng.uniform(0.7, 1.3, k)
    return base / base.sum()


def example_breakdown(lang: str = "en", seed: int = 7, year_shift: float = 0.0) -> pd.DataFrame:
    """A breakdown table shaped like ``ts.breakdown``'s output.

    Parameters
    ----------
    lang : {"en", "sq", "sr"}
    seed : int
    year_shift : float
        Added to the lean of every answer distribution (an earlier wave: negative).

    Examples
    --------
    >>> t = example_breakdown("sq")
    >>> list(t.columns[:4]), t.loc[t["by"] == "national", "group_label"].iloc[0]
    (['item', 'item_label', 'metric', 'level'], 'Të gjithë të rriturit')
    """
    li = _LANG[lang]
    rng = np.random.default_rng(seed)
    rows = []
    groups = [("national", "all", _NATIONAL[li], 1234)] + [
        (by, code, labels[li], n) for by, members in _GROUPS.items() for code, labels, n in members]
    leans = {g[:2]: rng.normal(0.0, 0.4) for g in groups}
    leans[("national", "all")] = 0.0
    for item, (scale, labels) in _ITEMS.items():
        item_lean = rng.normal(0.5, 0.4) + year_shift
        for by, group, glabel, n in groups:
            lean = item_lean + leans[(by, group)]
            deff = 1.6
            if scale == "index":
                est = float(np.clip(60 + 12 * lean + rng.normal(0, 2), 0, 100))
                se = 18.0 * np.sqrt(deff / n)
                rows.append((item, labels[li], "mean", "", "", by, group, glabel, est, se, n))
                continue
            codes, level_labels = _SCALES[scale]
            shares = _shares(rng, len(codes), lean)
            k = len(codes)
            top = shares[-2:].sum() if k > 2 else shares[0]
            metrics = [("top2", "", "", top)]
            if k > 2:
                metrics.append(("bottom2", "", "", shares[:2].sum()))
                scores = np.arange(1, k + 1)
                metrics.append(("mean", "", "", float(scores @ shares)))
            metrics += [("share", str(c), level_labels[j][li], shares[j]) for j, c in enumerate(codes)]
            metrics.append(("dont_know", "", "", float(rng.uniform(0.02, 0.12))))
            for metric, level, level_label, est in metrics:
                if metric == "mean":
                    se = 1.1 * np.sqrt(deff / n)
                else:
                    se = float(np.sqrt(deff * est * (1 - est) / n))
                rows.append((item, labels[li], metric, level, level_label, by, group, glabel, est, se, n))
    frame = pd.DataFrame(rows, columns=["item", "item_label", "metric", "level", "level_label", "by", "group",
                                        "group_label", "estimate", "se", "n_unweighted"])
    est, se = frame["estimate"].to_numpy(float), frame["se"].to_numpy(float)
    frame["ci_low"] = est - 1.97 * se
    frame["ci_high"] = est + 1.97 * se
    prop = frame["metric"] != "mean"
    frame.loc[prop, "ci_low"] = frame.loc[prop, "ci_low"].clip(lower=0)
    frame.loc[prop, "ci_high"] = frame.loc[prop, "ci_high"].clip(upper=1)
    frame["n_weighted"] = frame["n_unweighted"] * 1010.5
    frame["deff"] = 1.6
    nat = frame[frame["by"] == "national"].set_index(["item", "metric", "level"])["estimate"]
    ref = nat.reindex(pd.MultiIndex.from_frame(frame[["item", "metric", "level"]])).to_numpy(float)
    z = np.abs(est - ref) / np.maximum(se, 1e-9)
    from scipy.stats import norm

    p = 2 * norm.sf(z)
    national = frame["by"] == "national"
    frame["p_value"] = np.where(national, np.nan, p)
    frame["p_adj"] = np.where(national, np.nan, np.minimum(1.0, p * 4))
    n = frame["n_unweighted"].to_numpy()
    flag = np.where(n < 100, "low_base", "")
    frame["flag"] = flag
    # district F is below the minimum base for the equal-treatment item
    sup = (frame["group"] == "6") & (frame["by"] == "district") & (frame["item"] == "equal_treatment")
    frame.loc[sup, "flag"] = "suppressed"
    for c in ("estimate", "se", "ci_low", "ci_high", "p_value", "p_adj"):
        frame.loc[sup, c] = np.nan
    frame["n_unweighted"] = frame["n_unweighted"].astype("int64")
    return frame[_COLUMNS].reset_index(drop=True)


def example_trend(lang: str = "en", waves=(2023, 2024, 2025)) -> pd.DataFrame:
    """A trend table shaped like ``ts.trend``'s output (national rows and districts).

    Examples
    --------
    >>> t = example_trend()
    >>> sorted(t["wave"].unique().tolist())
    [2023, 2024, 2025]
    """
    frames = []
    for i, wave in enumerate(waves):
        f = example_breakdown(lang, seed=7 + i, year_shift=0.15 * (i - len(waves) + 1))
        f = f.drop(columns=["n_weighted", "deff", "p_value", "p_adj"])
        f.insert(8, "wave", wave)
        frames.append(f)
    t = pd.concat(frames, ignore_index=True)
    key = ["item", "metric", "level", "by", "group"]
    t = t.sort_values(key + ["wave"], kind="mergesort").reset_index(drop=True)
    prev = t.groupby(key, sort=False)[["estimate", "se"]].shift(1)
    t["change"] = t["estimate"] - prev["estimate"]
    t["change_se"] = np.sqrt(t["se"] ** 2 + prev["se"] ** 2)
    from scipy.stats import norm

    t["change_p"] = 2 * norm.sf(np.abs(t["change"] / t["change_se"]))
    t["change_p_adj"] = np.minimum(1.0, t["change_p"] * 2)
    t["trend_slope"] = np.nan
    t["trend_p"] = np.nan
    cols = ["item", "item_label", "metric", "level", "level_label", "by", "group", "group_label", "wave",
            "estimate", "se", "ci_low", "ci_high", "n_unweighted", "change", "change_se", "change_p",
            "change_p_adj", "trend_slope", "trend_p", "flag"]
    return t[cols]
