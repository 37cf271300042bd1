# Reference values for the recommendation rules' tests against a goal (tests/test_recommend_rules.py).
# One-sided test that an estimate is on the unfavourable side of its goal, and Holm's adjustment over
# the rows a rule checked. Run: Rscript threshold_tests.R > threshold_tests.json
library(jsonlite)
# rows that should reach a goal of 0.5 ("at least"): estimate, standard error
est <- c(0.45, 0.47, 0.30)
se <- c(0.025, 0.02, 0.05)
goal <- 0.5
z <- (est - goal) / se
p_normal <- pnorm(z)                       # no degrees of freedom: the normal reference
p_t10 <- pt(z, df = 10)                    # with 10 design degrees of freedom
# rows that should stay at most a ceiling of 0.3 (integrity-type rule): estimate, standard error
est_up <- c(0.36, 0.33)
se_up <- c(0.02, 0.02)
p_up <- pnorm((est_up - 0.3) / se_up, lower.tail = FALSE)
out <- list(
  r_version = R.version.string,
  at_least = list(estimate = est, se = se, goal = goal, p_normal = p_normal,
                  p_normal_holm = p.adjust(p_normal, "holm"), p_t10 = p_t10,
                  p_t10_holm = p.adjust(p_t10, "holm")),
  at_most = list(estimate = est_up, se = se_up, threshold = 0.3, p_normal = p_up,
                 p_normal_holm = p.adjust(p_up, "holm"))
)
cat(toJSON(out, digits = I(17), auto_unbox = TRUE, pretty = TRUE))
cat("\n")
