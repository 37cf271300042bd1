# Reference values of R's sae package (Fay-Herriot: eblupFH and mseFH) for trustsurvey's tests.
# Usage (from the repository root):
#   R CMD INSTALL sae_1.3.tar.gz      # needs r-cran-lme4 (and MASS)
#   Rscript tests/reference/sae/make_sae_reference.R
# Writes beside this script:
#   milk.csv            sae's data(milk) (the textbook example of Molina and Marhuenda), plus var = SD^2
#   example_areas.csv   the bundled example's 2025 wave: direct top-2 share of trust_kp by municipality
#                       (R survey, design weights, strata and PSUs of the questionnaire), its variance,
#                       the arcsine-scale inputs and the simulated municipal covariates
#   sae_fh.json         eblupFH/mseFH results (REML, ML, FH) for every case
# Tolerance in the tests: 1e-6 relative (refvar, coefficients and their SEs, EBLUPs, MSEs).
suppressMessages({library(sae); library(survey); library(jsonlite)})

here <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f)) dirname(normalizePath(f)) else "tests/reference/sae"
})
root <- normalizePath(file.path(here, "..", "..", ".."))

fit <- function(formula, vardir_name, data, method) {
  e <- eval(substitute(eblupFH(formula, v, method = method, data = data), list(v = as.name(vardir_name))))
  m <- eval(substitute(mseFH(formula, v, method = method, data = data), list(v = as.name(vardir_name))))
  co <- e$fit$estcoef
  list(method = method, convergence = e$fit$convergence, iterations = e$fit$iterations,
       refvar = e$fit$refvar,
       coef = list(term = rownames(co), beta = co$beta, std_error = co$std.error, tvalue = co$tvalue,
                   pvalue = co$pvalue),
       goodness = as.list(e$fit$goodness),
       eblup = as.vector(e$eblup), mse = as.vector(m$mse))
}

cases <- list()

# ---- milk (sae's textbook example): REML random-effect variance 0.01855
data(milk)
milk$var <- milk$SD^2
write.csv(milk, file.path(here, "milk.csv"), row.names = FALSE)
for (meth in c("REML", "ML", "FH")) {
  cases[[paste0("milk_", meth)]] <- c(list(data = "milk.csv", formula = "yi ~ C(MajorArea)", vardir = "var"),
                                      fit(yi ~ as.factor(MajorArea), "var", milk, meth))
}
# intercept only and a numeric covariate
for (meth in c("REML", "ML", "FH")) {
  cases[[paste0("milk_ni_", meth)]] <- c(list(data = "milk.csv", formula = "yi ~ ni", vardir = "var"),
                                         fit(yi ~ ni, "var", milk, meth))
}
# a model whose variance estimate is negative: sae truncates it at zero (every EBLUP is then synthetic)
milk$var3 <- milk$var * 3
milk$var8 <- milk$var * 8
write.csv(milk, file.path(here, "milk.csv"), row.names = FALSE)
for (meth in c("REML", "ML", "FH")) {
  cases[[paste0("milk_zero_", meth)]] <- c(list(data = "milk.csv", formula = "yi ~ C(MajorArea)", vardir = "var3"),
                                           fit(yi ~ as.factor(MajorArea), "var3", milk, meth))
}
# with eight times the variances, REML's Fisher scoring does not converge in 100 iterations (sae reports
# convergence = FALSE); ML converges to zero
nonconv <- list()
for (meth in c("REML", "ML", "FH")) {
  e <- eblupFH(yi ~ as.factor(MajorArea), var8, method = meth, data = milk)
  nonconv[[meth]] <- list(convergence = e$fit$convergence, iterations = e$fit$iterations)
}

# ---- the bundled example, 2025 wave: top-2 share of trust_kp by municipality
d <- read.csv(file.path(root, "src/trustsurvey/data/examples/kp_trust_2025.csv"))
cov <- read.csv(file.path(root, "src/trustsurvey/data/examples/municipal_covariates.csv"), comment.char = "#")
d$top2 <- ifelse(d$trust_kp %in% c(98, 99), NA, as.numeric(d$trust_kp %in% c(4, 5)))
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~design_weight, data = d)
by_area <- svyby(~top2, ~municipality, des, svymean, na.rm = TRUE)
n_area <- aggregate(!is.na(d$top2), list(municipality = d$municipality), sum)
areas <- data.frame(municipality = by_area$municipality, direct = by_area$top2, se = SE(by_area))
areas$n <- n_area$x[match(areas$municipality, n_area$municipality)]
areas$vardir <- areas$se^2
# arcsine scale: y = asin(sqrt(p)); sampling variance by the delta method, v / (4 p (1 - p)) = deff / (4 n),
# where deff = v n / (p (1 - p)) (with-replacement design effect); areas with fewer than 30 answers, or
# p of 0 or 1, get the pooled design effect (n-weighted mean over the other areas): psi = deff_pooled / (4 n)
areas$y_asin <- asin(sqrt(areas$direct))
areas$deff_wr <- areas$vardir * areas$n / (areas$direct * (1 - areas$direct))
large <- areas$n >= 30 & areas$direct > 0 & areas$direct < 1
deff_pooled <- sum(areas$n[large] * areas$deff_wr[large]) / sum(areas$n[large])
areas$psi_asin <- ifelse(large, areas$deff_wr / (4 * areas$n), deff_pooled / (4 * areas$n))
areas <- merge(areas, cov, by = "municipality", sort = TRUE)
write.csv(areas, file.path(here, "example_areas.csv"), row.names = FALSE)
reg <- svyby(~top2, ~region, des, svymean, na.rm = TRUE)
nat <- svymean(~top2, des, na.rm = TRUE)
direct <- list(region = list(region = reg$region, estimate = reg$top2, se = SE(reg)),
               national = list(estimate = unname(coef(nat)), se = unname(as.vector(SE(nat)))),
               deff_pooled = deff_pooled)

f_ex <- y ~ urban_share + serb_share + minority_share + young_share + tertiary_share
areas$y <- areas$direct
for (meth in c("REML", "ML", "FH")) {
  cases[[paste0("example_prop_", meth)]] <- c(
    list(data = "example_areas.csv", formula = "direct ~ urban_share + serb_share + minority_share + young_share + tertiary_share",
         vardir = "vardir"), fit(f_ex, "vardir", areas, meth))
  areas$y <- areas$y_asin
  cases[[paste0("example_asin_", meth)]] <- c(
    list(data = "example_areas.csv", formula = "y_asin ~ urban_share + serb_share + minority_share + young_share + tertiary_share",
         vardir = "psi_asin"), fit(f_ex, "psi_asin", areas, meth))
  areas$y <- areas$direct
}
areas$y <- areas$y_asin
cases[["example_asin_region_REML"]] <- c(
  list(data = "example_areas.csv", formula = "y_asin ~ serb_share + C(region)", vardir = "psi_asin"),
  fit(y ~ serb_share + as.factor(region), "psi_asin", areas, "REML"))

out <- list(r_version = R.version.string, sae_version = as.character(packageVersion("sae")),
            survey_version = as.character(packageVersion("survey")), tolerance = 1e-6,
            direct = direct, nonconvergence = list(data = "milk.csv", formula = "yi ~ C(MajorArea)", vardir = "var8", methods = nonconv),
            cases = cases)
write_json(out, file.path(here, "sae_fh.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote", length(cases), "cases to", file.path(here, "sae_fh.json"), "\n")
