# Reference values for issue 14 ("every statistic R's survey gives on real data, and the conventions
# researchers expect"), from R's survey package on R's api data and on trustsurvey's bundled example.
#
# Usage (from the repository root):
#   Rscript tests/reference/r_conventions/make_r_conventions.R
# Writes tests/reference/r_conventions/r_conventions.json and the api data that trustsurvey ships
# (src/trustsurvey/data/api/*.csv.gz, column names with "." written as "_").
# The test suite never calls R. Tolerance in the tests: 1e-6 relative.
suppressMessages({library(survey); library(jsonlite)})
stopifnot(packageVersion("survey") >= "4.1")
root <- "."
out <- file.path(root, "tests", "reference", "r_conventions")
apidir <- file.path(root, "src", "trustsurvey", "data", "api")
dir.create(apidir, recursive = TRUE, showWarnings = FALSE)

data(api)
py <- function(df) { names(df) <- gsub(".", "_", names(df), fixed = TRUE); df }
# full precision (17 significant digits; write.csv keeps 15), so that Python reads R's very numbers:
# quantiles compare cumulative weights with p * total, where the last bits decide ties
full_precision <- function(df) {
  text <- which(sapply(df, function(col) is.character(col) || is.factor(col)))
  for (j in seq_along(df)) {
    col <- df[[j]]
    if (is.double(col) && any(!is.na(col) & col != round(col))) {
      df[[j]] <- ifelse(is.na(col), NA, sprintf("%.17g", col))
    }
  }
  list(df = df, quote = unname(text))
}
for (nm in c("apisrs", "apistrat", "apiclus1", "apiclus2", "apipop")) {
  fp <- full_precision(py(get(nm)))
  con <- gzfile(file.path(apidir, paste0(nm, ".csv.gz")), "w")
  write.csv(fp$df, con, row.names = FALSE, na = "", quote = if (length(fp$quote)) fp$quote else FALSE)
  close(con)
}
apisrs <- py(apisrs); apistrat <- py(apistrat); apiclus1 <- py(apiclus1); apiclus2 <- py(apiclus2)

# the bundled example: 98/99 are missing codes everywhere except in design and geography columns
kp <- read.csv(file.path(root, "src", "trustsurvey", "data", "examples", "kp_trust_2025.csv"))
design_cols <- c("respondent_id", "design_weight", "stratum", "psu", "region", "municipality", "settlement", "age")
for (v in setdiff(names(kp), design_cols)) if (is.numeric(kp[[v]])) kp[[v]][kp[[v]] %in% c(98, 99)] <- NA

options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE)
designs <- list(
  srs   = list(spec = list(data = "apisrs", fpc = "fpc"),
               d = svydesign(id = ~1, fpc = ~fpc, data = apisrs)),
  strat = list(spec = list(data = "apistrat", weights = "pw", strata = "stype", fpc = "fpc"),
               d = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)),
  clus1 = list(spec = list(data = "apiclus1", weights = "pw", psu = "dnum", fpc = "fpc"),
               d = svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)),
  clus2 = list(spec = list(data = "apiclus2", weights = "pw", psu = c("dnum", "snum"), fpc = c("fpc1", "fpc2")),
               d = svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, weights = ~pw, data = apiclus2)),
  kp    = list(spec = list(data = "kp_trust_2025", weights = "design_weight", strata = "stratum", psu = "psu",
                           note = "98 and 99 are NA in every column but respondent_id, design_weight, stratum, psu, region, municipality, settlement, age"),
               d = svydesign(id = ~psu, strata = ~stratum, weights = ~design_weight, data = kp))
)
D <- function(name) designs[[name]]$d

cases <- list()
add <- function(id, design, call, args, result) {
  cases[[length(cases) + 1]] <<- list(id = id, design = design, call = call, args = args, result = result)
}
num <- function(x) unname(as.numeric(x))
mat <- function(x) { x <- as.matrix(x); matrix(as.numeric(x), nrow = nrow(x)) }  # JSON: a list of rows
err <- function(expr) tryCatch({ force(expr); NULL }, error = function(e) conditionMessage(e))

# ---------------------------------------------------------------- 1. proportion intervals per domain (svyby + svyciprop)
# Each domain's interval is svyciprop on the domain's design: confint on the domain's degf.
ciprop_methods <- c("logit", "likelihood", "asin", "beta", "mean", "xlogit")
prop_domains <- list(
  list(design = "clus1", formula = ~I(sch_wide == "Yes"), variable = "sch_wide", level = "Yes", by = "stype"),
  list(design = "strat", formula = ~I(sch_wide == "Yes"), variable = "sch_wide", level = "Yes", by = "stype"),
  list(design = "strat", formula = ~I(awards == "Yes"), variable = "awards", level = "Yes", by = "cname_group"),
  list(design = "kp", formula = ~I(trust_kp >= 4), variable = "trust_kp", level = "4 or 5", by = "region")
)
# a by-variable with small domains (few PSUs): counties grouped into 4 sets
designs$strat$d <- update(designs$strat$d, cname_group = c("A", "B", "C", "D")[(as.integer(factor(cname)) %% 4) + 1])
for (pd in prop_domains) {
  d <- D(pd$design)
  byf <- as.formula(paste0("~", pd$by))
  for (m in ciprop_methods) {
    r <- svyby(pd$formula, byf, d, svyciprop, method = m, vartype = c("se", "ci"), na.rm = TRUE)
    groups <- as.character(r[[pd$by]])
    dfs <- sapply(groups, function(g) degf(d[as.character(d$variables[[pd$by]]) == g, ]))
    nrows <- sapply(groups, function(g) sum(as.character(d$variables[[pd$by]]) == g))
    # the same by subset(): identical intervals
    g1 <- groups[length(groups)]
    sub <- d[as.character(d$variables[[pd$by]]) == g1, ]
    one <- svyciprop(pd$formula, sub, method = m, na.rm = TRUE)
    ci <- cbind(r$ci_l, r$ci_u)  # svyby's own intervals (confint(r) would be a normal Wald interval)
    stopifnot(isTRUE(all.equal(num(attr(one, "ci")), num(ci[length(groups), ]), tolerance = 1e-12)))
    add(paste0(pd$design, "_ciprop_", m, "_", pd$variable, "_by_", pd$by), pd$design, "ciprop_by",
        list(variable = pd$variable, level = pd$level, by = pd$by, method = m,
             note = "svyby(~I(...), ~by, design, svyciprop, method=, vartype=c('se','ci'), na.rm=TRUE)"),
        list(groups = groups, estimate = num(coef(r)), se = num(SE(r)), ci_low = num(ci[, 1]), ci_high = num(ci[, 2]),
             df = num(dfs), n_rows = num(nrows)))
  }
}

# the likelihood interval at its edges, on small made-up cluster samples (3 PSUs, df = 2):
# strong clustering (the profile saturates) and negative clustering (R's profile grid stops short: NA)
edge <- list(
  saturated = data.frame(psu = rep(1:3, each = 10), y = c(rep(1, 10), rep(0, 10), rep(c(0, 1), 5)), w = 1),
  short_grid = data.frame(psu = rep(1:3, each = 50), w = 1,
                          y = c(rep(c(0, 1), 25), rep(1, 26), rep(0, 24), rep(1, 24), rep(0, 26)))
)
for (nm in names(edge)) {
  d <- svydesign(id = ~psu, weights = ~w, data = edge[[nm]])
  r <- svyciprop(~y, d, method = "likelihood")
  add(paste0("likelihood_edge_", nm), "inline", "ciprop_edge",
      list(psu = edge[[nm]]$psu, y = edge[[nm]]$y, weights = edge[[nm]]$w, method = "likelihood",
           note = "svydesign(id=~psu, weights=~w); svyciprop(~y, method='likelihood'); NA where R's profile stops short"),
      list(estimate = num(r), se = num(SE(r)), ci_low = num(attr(r, "ci")[1]), ci_high = num(attr(r, "ci")[2]),
           df = degf(d)))
}

# ---------------------------------------------------------------- 2. subset() intervals: proportions and means on the domain's df
subsets <- list(
  list(design = "clus1", cond = "stype == 'H'", rcond = quote(stype == "H")),
  list(design = "kp", cond = "region == 6 and gender == 2", rcond = quote(region == 6 & gender == 2)),
  list(design = "kp", cond = "municipality == 104", rcond = quote(municipality == 104))
)
for (sb in subsets) {
  d <- eval(bquote(subset(D(sb$design), .(sb$rcond))))
  if (sb$design == "clus1") { f <- ~I(sch_wide == "Yes"); var <- "sch_wide"; lev <- "Yes"; mvar <- "api00" }
  else { f <- ~I(trust_kp >= 4); var <- "trust_kp"; lev <- "4 or 5"; mvar <- "age" }
  res <- list(df = degf(d))
  for (m in ciprop_methods) {
    r <- svyciprop(f, d, method = m, na.rm = TRUE)
    res[[m]] <- list(estimate = num(r), se = num(SE(r)), ci_low = num(attr(r, "ci")[1]), ci_high = num(attr(r, "ci")[2]))
  }
  mm <- svymean(as.formula(paste0("~", mvar)), d, na.rm = TRUE)
  ci <- confint(mm, df = degf(d))
  res$svymean <- list(variable = mvar, estimate = num(coef(mm)), se = num(SE(mm)), ci_low = num(ci[1]), ci_high = num(ci[2]))
  add(paste0(sb$design, "_subset_", gsub("[^A-Za-z0-9]+", "_", sb$cond)), sb$design, "subset_intervals",
      list(subset = sb$cond, variable = var, level = lev, mean_variable = mvar,
           note = "svyciprop(..., subset(design, ...), method=m, na.rm=TRUE); confint(svymean(...), df=degf(subset))"),
      res)
}
# means by domain: confint on each domain's df
for (pr in list(c("clus1", "api00", "stype"), c("kp", "age", "region"), c("strat", "api00", "cname_group"))) {
  d <- D(pr[1])
  groups <- sort(unique(as.character(d$variables[[pr[3]]])))
  rows <- lapply(groups, function(g) {
    s <- d[as.character(d$variables[[pr[3]]]) == g, ]
    m <- svymean(as.formula(paste0("~", pr[2])), s, na.rm = TRUE)
    ci <- confint(m, df = degf(s))
    c(num(coef(m)), num(SE(m)), num(ci), degf(s))
  })
  tab <- do.call(rbind, rows)
  add(paste0(pr[1], "_mean_", pr[2], "_by_", pr[3], "_domain_df"), pr[1], "mean_by_domain_df",
      list(variable = pr[2], by = pr[3], note = "svymean on each domain's subset design, confint(df = degf(subset))"),
      list(groups = groups, estimate = tab[, 1], se = tab[, 2], ci_low = tab[, 3], ci_high = tab[, 4], df = tab[, 5]))
}

# ---------------------------------------------------------------- 3. svyquantile: every qrule and interval.type
qrules <- c("math", "school", "shahvaish", paste0("hf", 1:9))
probs <- c(0.1, 0.25, 0.5, 0.9)
quantile_case <- function(id, design_name, d, var, types, replicate = NULL) {
  for (qr in qrules) for (it in types) {
    q <- tryCatch(svyquantile(as.formula(paste0("~", var)), d, probs, qrule = qr, interval.type = it,
                              ci = TRUE, na.rm = TRUE),
                  error = function(e) e)
    if (inherits(q, "error")) {
      add(paste0(id, "_", qr, "_", it), design_name, "quantile", list(variable = var, probs = probs, qrule = qr,
          interval_type = it, replicate = replicate), list(error = conditionMessage(q)))
      next
    }
    tab <- q[[1]]
    add(paste0(id, "_", qr, "_", it), design_name, "quantile",
        list(variable = var, probs = probs, qrule = qr, interval_type = it, replicate = replicate),
        list(estimate = num(tab[, 1]), ci_low = num(tab[, 2]), ci_high = num(tab[, 3]), se = num(tab[, 4]),
             df = degf(d)))
  }
}
quantile_case("clus1_q_api00", "clus1", D("clus1"), "api00", c("mean", "beta", "xlogit", "asin", "score"))
quantile_case("kp_q_age", "kp", D("kp"), "age", c("mean", "beta", "xlogit", "asin", "score"))
quantile_case("strat_jkn_q_enroll", "strat", as.svrepdesign(D("strat"), type = "JKn"), "enroll",
              c("mean", "beta", "xlogit", "asin", "quantile"), replicate = "jkn")
quantile_case("clus1_jk1_q_api00", "clus1", as.svrepdesign(D("clus1"), type = "JK1"), "api00",
              c("mean", "quantile"), replicate = "jk1")
# quantiles by domain (each domain's df) and the small-p edge of the math rule
for (qr in c("math", "hf7")) {
  r <- svyby(~api00, ~stype, D("clus1"), svyquantile, quantiles = 0.5, qrule = qr, ci = TRUE, vartype = c("se", "ci"))
  ci <- cbind(r$ci_l, r$ci_u)
  add(paste0("clus1_q_api00_by_stype_", qr), "clus1", "quantile_by",
      list(variable = "api00", by = "stype", probs = 0.5, qrule = qr, interval_type = "mean"),
      list(groups = as.character(r$stype), estimate = num(coef(r)), se = num(SE(r)), ci_low = num(ci[, 1]),
           ci_high = num(ci[, 2])))
}
r <- svyby(~api00, ~stype, D("clus1"), svyquantile, quantiles = c(0.1, 0.9), ci = TRUE, vartype = c("se", "ci"))
add("clus1_q_api00_by_stype_ends", "clus1", "quantile_by",
    list(variable = "api00", by = "stype", probs = c(0.1, 0.9), qrule = "math", interval_type = "mean",
         note = "share intervals below 0 or above 1 in the small groups: R gives NaN ends; order: groups, then probs"),
    list(groups = rep(as.character(r$stype), each = 2),
         estimate = num(t(as.matrix(r[, c("api00.0.1", "api00.0.9")]))),
         se = num(t(as.matrix(r[, c("se.api00.0.1", "se.api00.0.9")]))),
         ci_low = num(t(as.matrix(r[, c("ci_l.api00.0.1", "ci_l.api00.0.9")]))),
         ci_high = num(t(as.matrix(r[, c("ci_u.api00.0.1", "ci_u.api00.0.9")])))))
# ties between cumulative weights and p * total: R accumulates in extended precision
for (wv in c(0.1, 0.7)) {
  dd <- svydesign(id = ~1, weights = ~w, data = data.frame(x = 1:6, w = wv))
  pr <- (1:5) / 6
  add(paste0("ties_w", wv), "inline", "quantile_ties", list(x = 1:6, weight = wv, probs = pr),
      list(math = sapply(pr, function(p) num(svyquantile(~x, dd, p, qrule = "math", ci = FALSE)[[1]])),
           school = sapply(pr, function(p) num(svyquantile(~x, dd, p, qrule = "school", ci = FALSE)[[1]])),
           hf4 = sapply(pr, function(p) num(svyquantile(~x, dd, p, qrule = "hf4", ci = FALSE)[[1]]))))
}
q <- svyquantile(~api00, D("clus1"), c(0.001, 0.999), qrule = "math", ci = FALSE)
add("clus1_q_api00_extreme_p", "clus1", "quantile", list(variable = "api00", probs = c(0.001, 0.999), qrule = "math",
    note = "p below the first weight share: R's qs() puts pos at 1 and the math rule returns the second value"),
    list(estimate = num(q[[1]])))

# ---------------------------------------------------------------- 4. lonely PSUs in domains: survey.adjust.domain.lonely
lonely_cases <- list(
  list(design = "strat", cond = "cname in ['Alameda', 'Amador']", rcond = quote(cname %in% c("Alameda", "Amador")), var = "api00"),
  list(design = "clus2", cond = "stype == 'H'", rcond = quote(stype == "H"), var = "api00"),
  list(design = "clus2", cond = "dnum == 198", rcond = quote(dnum == 198), var = "api00"),
  list(design = "kp", cond = "municipality == 104", rcond = quote(municipality == 104), var = "age")
)
for (lc in lonely_cases) {
  res <- list()
  for (lp in c("adjust", "average", "remove", "certainty")) for (opt in c(FALSE, TRUE)) {
    options(survey.lonely.psu = lp, survey.adjust.domain.lonely = opt)
    s <- suppressWarnings(eval(bquote(subset(D(lc$design), .(lc$rcond)))))
    m <- suppressWarnings(svymean(as.formula(paste0("~", lc$var)), s, na.rm = TRUE))
    t <- suppressWarnings(svytotal(as.formula(paste0("~", lc$var)), s, na.rm = TRUE))
    res[[paste0(lp, if (opt) "_domain" else "")]] <- list(mean = num(coef(m)), se_mean = num(SE(m)),
                                                            total = num(coef(t)), se_total = num(SE(t)))
  }
  options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE)
  add(paste0(lc$design, "_lonely_domain_", gsub("[^A-Za-z0-9]+", "_", lc$cond)), lc$design, "lonely_domain",
      list(subset = lc$cond, variable = lc$var,
           note = "options(survey.lonely.psu=<key>, survey.adjust.domain.lonely=<key ends in _domain>); svymean/svytotal on subset()"),
      res)
}
# a design with strata that are lonely in the full sample: municipalities as strata
options(survey.lonely.psu = "average")
dm <- svydesign(id = ~psu, strata = ~municipality, weights = ~design_weight, data = kp)
res <- list(lonely_strata = num(names(which(table(kp$municipality[!duplicated(kp$psu)]) == 1))))
for (cond in list(c("all", "TRUE"), c("region1", "region == 1"), c("women", "gender == 2"))) {
  s <- eval(parse(text = paste0("subset(dm, ", cond[2], ")")))
  m <- svymean(~age, s)
  res[[cond[1]]] <- list(subset = cond[2], mean = num(coef(m)), se = num(SE(m)))
}
add("kp_municipality_strata_average", "kp", "lonely_average",
    list(strata = "municipality", psu = "psu", weights = "design_weight", lonely_psu = "average", variable = "age"), res)
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE)

# ---------------------------------------------------------------- 5. replicate designs: bootstrap (Canty-Davison), subbootstrap (Rao-Wu), JK1
set.seed(20250114)
boot <- list()
for (dn in c("strat", "clus1", "kp")) for (type in c("bootstrap", "subbootstrap")) {
  R <- 30
  rd <- as.svrepdesign(D(dn), type = type, replicates = R, compress = FALSE)
  var <- if (dn == "kp") "age" else "api00"
  tvar <- if (dn == "kp") "design_weight" else "enroll"
  m <- svymean(as.formula(paste0("~", var)), rd)
  t <- svytotal(as.formula(paste0("~", tvar)), rd)
  # the replicate multipliers per PSU (first-stage cluster), PSUs in the order of their first row
  rw <- as.matrix(weights(rd, "analysis")) / weights(rd, "sampling")
  cl <- D(dn)$cluster[, 1]
  first <- !duplicated(cl)
  add(paste0(dn, "_", type), dn, "as_svrepdesign",
      list(type = type, replicates = R, mean_variable = var, total_variable = tvar,
           note = "as.svrepdesign(design, type=, replicates=, compress=FALSE); multipliers = analysis weights / sampling weights, one row per PSU (PSU ids in psu)"),
      list(scale = num(rd$scale), rscales = num(rd$rscales), mse = isTRUE(rd$mse), degf = degf(rd),
           psu = num(cl[first]), multipliers = unname(rw[first, , drop = FALSE]),
           mean = num(coef(m)), se_mean = num(SE(m)), total = num(coef(t)), se_total = num(SE(t)),
           harmonic_mean_psus = num(1 / mean(1 / table(D(dn)$strata[first, 1])))))
}
# svrepdesign with given bootstrap weights: R's default scale 1/(R-1)
rd <- as.svrepdesign(D("strat"), type = "bootstrap", replicates = 20, compress = FALSE)
rw <- as.matrix(weights(rd, "analysis"))
given <- svrepdesign(data = apistrat, repweights = rw, weights = ~pw, type = "bootstrap", combined.weights = TRUE)
m <- svymean(~api00, given)
add("strat_given_bootstrap_weights", "strat", "svrepdesign_bootstrap",
    list(type = "bootstrap", note = "svrepdesign(repweights = the analysis weights below, weights=~pw, type='bootstrap', combined.weights=TRUE)"),
    list(repweights = unname(rw), scale = num(given$scale), rscales = num(given$rscales), mean = num(coef(m)), se = num(SE(m))))

add("strat_jk1_refused", "strat", "as_svrepdesign_error", list(type = "JK1"),
    list(error = err(as.svrepdesign(D("strat"), type = "JK1"))))
add("clus1_jkn_refused", "clus1", "as_svrepdesign_error", list(type = "JKn"),
    list(error = err(as.svrepdesign(D("clus1"), type = "JKn"))))
add("clus1_brr_refused", "clus1", "as_svrepdesign_error", list(type = "BRR"),
    list(error = err(as.svrepdesign(D("clus1"), type = "BRR"))))
rd <- as.svrepdesign(D("kp"), type = "JKn")
m <- svymean(~age, rd)
add("kp_jkn_mean_age", "kp", "mean_replicate", list(type = "JKn", variable = "age"),
    list(estimate = num(coef(m)), se = num(SE(m)), degf = degf(rd), scale = num(rd$scale), rscales = num(rd$rscales)))

# ---------------------------------------------------------------- 6. categorical variables: counts and shares per category
cat_cases <- list(c("strat", "stype"), c("clus1", "stype"), c("clus1", "sch_wide"), c("kp", "trust_kp"), c("kp", "region"))
for (cc in cat_cases) {
  d <- D(cc[1])
  f <- as.formula(paste0("~factor(", cc[2], ")"))
  t <- svytotal(f, d, na.rm = TRUE, deff = TRUE)
  m <- svymean(f, d, na.rm = TRUE, deff = TRUE)
  lev <- sort(unique(na.omit(d$variables[[cc[2]]])))
  ct <- confint(t, df = degf(d)); cm <- confint(m, df = degf(d))
  nu <- as.numeric(table(factor(d$variables[[cc[2]]], levels = lev)))
  add(paste0(cc[1], "_categorical_", cc[2]), cc[1], "categorical",
      list(variable = cc[2], note = "svytotal / svymean on factor(variable), na.rm=TRUE, deff=TRUE; confint(df=degf(design))"),
      list(levels = as.character(lev), n_unweighted = nu,
           total = list(estimate = num(coef(t)), se = num(SE(t)), deff = num(deff(t)), ci_low = num(ct[, 1]), ci_high = num(ct[, 2])),
           share = list(estimate = num(coef(m)), se = num(SE(m)), deff = num(deff(m)), ci_low = num(cm[, 1]), ci_high = num(cm[, 2])),
           df = degf(d)))
}

# ---------------------------------------------------------------- 7. svytable and weighted crosstabs
for (tc in list(c("strat", "stype", NA), c("clus1", "sch_wide", "stype"), c("kp", "trust_kp", "region"))) {
  d <- D(tc[1])
  f <- if (is.na(tc[3])) as.formula(paste0("~", tc[2])) else as.formula(paste0("~", tc[2], "+", tc[3]))
  tb <- svytable(f, d)
  add(paste0(tc[1], "_svytable_", tc[2], if (!is.na(tc[3])) paste0("_", tc[3]) else ""), tc[1], "svytable",
      list(row = tc[2], col = if (is.na(tc[3])) NULL else tc[3], note = "svytable(formula, design); rows missing either variable left out"),
      list(rows = rownames(as.matrix(tb)), cols = if (is.na(tc[3])) NULL else colnames(tb), table = mat(tb)))
}
crosstab <- function(dn, row, col) {
  d <- D(dn)
  d <- eval(bquote(subset(d, !is.na(.(as.name(row))) & !is.na(.(as.name(col))))))
  d <- eval(bquote(update(d, .row = factor(.(as.name(row))), .col = factor(.(as.name(col))))))
  rl <- levels(d$variables$.row); cl <- levels(d$variables$.col)
  cellf <- ~interaction(.row, .col)
  ct <- svytotal(cellf, d); cm <- svymean(cellf, d)
  cti <- confint(ct, df = degf(d)); cmi <- confint(cm, df = degf(d))
  # row percentages: the share of each column level within each row level (domain = row level)
  rp <- svyby(~.col, ~.row, d, svymean)
  cp <- svyby(~.row, ~.col, d, svymean)
  rdf <- sapply(rl, function(g) degf(d[d$variables$.row == g, ]))
  cdf <- sapply(cl, function(g) degf(d[d$variables$.col == g, ]))
  nu <- as.matrix(table(d$variables$.row[weights(d) > 0], d$variables$.col[weights(d) > 0]))
  res <- list(rows = rl, cols = cl, df = degf(d), n_unweighted = mat(nu),
              cell_count = list(estimate = num(coef(ct)), se = num(SE(ct)), ci_low = num(cti[, 1]), ci_high = num(cti[, 2])),
              cell_share = list(estimate = num(coef(cm)), se = num(SE(cm)), ci_low = num(cmi[, 1]), ci_high = num(cmi[, 2])),
              row_share = list(estimate = num(coef(rp)), se = num(as.matrix(SE(rp))), domain_df = num(rdf),
                               order = "row level varies fastest: for each column level, every row level"),
              col_share = list(estimate = num(coef(cp)), se = num(as.matrix(SE(cp))), domain_df = num(cdf),
                               order = "column level varies fastest: for each row level, every column level"))
  for (st in c("F", "Chisq")) {
    x <- svychisq(~.row + .col, d, statistic = st)
    res[[paste0("chisq_", st)]] <- list(statistic = num(x$statistic), parameter = num(x$parameter), p_value = num(x$p.value))
  }
  add(paste0(dn, "_crosstab_", row, "_", col), dn, "crosstab",
      list(row = row, col = col, note = "complete cases of both variables (subset keeps the design); cells in R's interaction order: row level varies fastest"),
      res)
}
crosstab("clus1", "sch_wide", "stype")
crosstab("strat", "comp_imp", "stype")
crosstab("kp", "trust_kp", "gender")

# ---------------------------------------------------------------- 8. svyglm coefficients with confint (residual df)
glms <- list(
  list(design = "strat", formula = api00 ~ ell + meals + stype, family = gaussian(), py = "api00 ~ ell + meals + C(stype)"),
  list(design = "clus1", formula = I(sch_wide == "Yes") ~ ell + meals + mobility, family = quasibinomial(),
       py = "sch_wide ~ ell + meals + mobility", outcome_level = "Yes"),
  list(design = "kp", formula = I(trust_kp >= 4) ~ factor(gender) + age + factor(region), family = quasibinomial(),
       py = "top ~ C(gender) + age + C(region)", note = "top = 1 when trust_kp is 4 or 5, 0 for 1-3, missing for 98/99")
)
for (g in glms) {
  m <- svyglm(g$formula, D(g$design), family = g$family)
  ci <- confint(m)
  s <- summary(m)$coefficients
  add(paste0(g$design, "_svyglm_", gsub("[^A-Za-z0-9]+", "_", deparse(g$formula[[2]]))), g$design, "svyglm_confint",
      list(formula = g$py, family = g$family$family, outcome_level = g$outcome_level, note = g$note),
      list(names = names(coef(m)), estimate = num(coef(m)), se = num(SE(m)), ci_low = num(ci[, 1]), ci_high = num(ci[, 2]),
           statistic = num(s[, 3]), p_value = num(s[, 4]), df = m$df.residual))
}

d <- update(D("clus1"), mealcat = cut(meals, c(0, 25, 50, 75, 100)))
m <- svyolr(mealcat ~ avg_ed + mobility + stype, design = d)
ci <- confint(m)
add("clus1_svyolr_mealcat_confint", "clus1", "svyolr_confint",
    list(formula = "mealcat ~ avg_ed + mobility + C(stype)",
         note = "mealcat = cut(meals, c(0,25,50,75,100)); confint(svyolr) is confint.default: the normal quantile"),
    list(names = names(coef(m)), estimate = num(coef(m)), se = num(SE(m)), ci_low = num(ci[, 1]), ci_high = num(ci[, 2])))

writeLines(toJSON(list(source = paste("R", R.version$major, R.version$minor, "survey", as.character(packageVersion("survey"))),
                       designs = lapply(designs, function(x) x$spec), cases = cases),
                  auto_unbox = TRUE, digits = NA, pretty = FALSE, null = "null", na = "null"),
           file.path(out, "r_conventions.json"))
cat(length(cases), "cases\n")
