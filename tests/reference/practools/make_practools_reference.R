# Reference values of PracTools 1.7.5 (Valliant, Dever and Kreuter; GPL-3) for trustsurvey.planning.
# PracTools itself needs packages Debian does not ship, so its functions are source()d from its R folder.
# Usage (from the repository root):
#   Rscript tests/reference/practools/make_practools_reference.R /work/shared/r-packages/PracTools_1.7.5/R
# Writes practools.json beside this script. Tolerance in the tests: 1e-6 relative.
suppressMessages(library(jsonlite))
args <- commandArgs(trailingOnly = TRUE)
src <- if (length(args)) args[1] else "/work/shared/r-packages/PracTools_1.7.5/R"
here <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f)) dirname(normalizePath(f)) else "tests/reference/practools"
})
for (f in c("nPropMoe.R", "strAlloc.R", "nProp2sam.R")) source(file.path(src, f))

# nPropMoe(moe.sw = 1): sample size for a margin of error e on a proportion (unrounded)
moe <- list()
for (e in c(0.01, 0.02, 0.03, 0.05, 0.1)) for (pU in c(0.1, 0.3, 0.5, 0.62, 0.9))
  for (N in c(Inf, 500, 20000, 1e6)) for (alpha in c(0.05, 0.1, 0.01)) {
    moe[[length(moe) + 1]] <- list(e = e, pU = pU, N = if (is.finite(N)) N else NULL, alpha = alpha,
                                   n = nPropMoe(moe.sw = 1, e = e, alpha = alpha, pU = pU, N = N))
  }

# strAlloc: proportional and Neyman allocation (unrounded), and Neyman's anticipated SE of the mean
alloc <- list()
Nh_sets <- list(c(215, 65, 252, 50, 149, 144), c(351000, 160000, 110000, 155000, 120000, 23000, 112000, 115000),
                c(40, 4000))
Sh_sets <- list(c(26787, 10645, 6909, 11085, 9817, 2351), c(0.48, 0.5, 0.45, 0.46, 0.47, 0.5, 0.44, 0.42),
                c(3, 1))
n_sets <- list(c(100, 300), c(1500, 3000), c(100, 1500))   # the last Neyman case asks 43.7 of 40 in stratum 1
for (i in seq_along(Nh_sets)) for (n in n_sets[[i]]) {
  Nh <- Nh_sets[[i]]; Sh <- Sh_sets[[i]]
  p <- strAlloc(n.tot = n, Nh = Nh, alloc = "prop")
  y <- suppressWarnings(strAlloc(n.tot = n, Nh = Nh, Sh = Sh, alloc = "neyman"))
  alloc[[length(alloc) + 1]] <- list(n = n, Nh = Nh, Sh = Sh, prop = p$nh, neyman = y$nh,
                                     neyman_se = y[["anticipated SE of estimated mean"]])
}

# nProp2sam: interviews per wave to detect px - py with overlap gamma = g and ratio r = n1/n2.
# PracTools rounds n1 up; the unrounded n1 comes from the same function with ceiling() replaced by identity.
nProp2sam_raw <- nProp2sam
environment(nProp2sam_raw) <- list2env(list(ceiling = function(x) x), parent = globalenv())
change <- list()
for (px in c(0.5, 0.6, 0.3)) for (py in c(0.55, 0.65, 0.2)) for (rho in c(0, 0.4))
  for (g in c(0, 0.5, 1)) for (r in c(1, 2)) for (alt in c("two.sided", "one.sided"))
    for (sig in c(0.05, 0.1)) for (pow in c(0.8, 0.9)) {
      if (px == py) next
      if (rho == 0 && g > 0) next
      pxy <- px * py + rho * sqrt(px * (1 - px) * py * (1 - py))
      a <- nProp2sam(px, py, pxy, g, r, alt, sig.level = sig, pow = pow)
      b <- nProp2sam_raw(px, py, pxy, g, r, alt, sig.level = sig, pow = pow)
      change[[length(change) + 1]] <- list(px = px, py = py, rho = rho, pxy = pxy, g = g, r = r, alt = alt,
                                           sig_level = sig, power = pow, n1 = a$n1, n2 = a$n2,
                                           n1_unrounded = b$n1, n2_unrounded = b$n2)
    }

out <- list(r_version = R.version.string, practools_version = "1.7.5 (R sources, source()d)",
            tolerance = 1e-6, nPropMoe = moe, strAlloc = alloc, nProp2sam = change)
write_json(out, file.path(here, "practools.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote", length(moe), "nPropMoe,", length(alloc), "strAlloc and", length(change), "nProp2sam cases\n")
