# Reference output of R lavaan for tests/test_cbsem_lavaan.py.
#
# Run from the project root with ../shared beside it:
#   Rscript tests/reference/lavaan/make_reference.R
# (Debian: apt-get install r-base-core r-cran-lavaan). The tests read the CSVs written here and
# never need R. Written with lavaan 0.6.14; the version is recorded in versions.csv.
suppressPackageStartupMessages(library(lavaan))
out <- "tests/reference/lavaan"
shared <- "../shared/data"
wcsv <- function(x, name) write.csv(x, file.path(out, name), row.names = FALSE)

# data sets shipped by lavaan, written so that the tests use exactly these rows
hs <- HolzingerSwineford1939
wcsv(hs[, c("id", "school", paste0("x", 1:9))], "hs_data.csv")
wcsv(PoliticalDemocracy, "political_democracy_data.csv")

# Holzinger-Swineford with about 10 % of the values of x1-x9 removed (a fixed pattern)
set.seed(20261201)
hs_miss <- hs[, c("id", "school", paste0("x", 1:9))]
for (v in paste0("x", 1:9)) hs_miss[runif(nrow(hs_miss)) < 0.10, v] <- NA
hs_miss <- hs_miss[rowSums(!is.na(hs_miss[, paste0("x", 1:9)])) > 0, ]
wcsv(hs_miss, "hs_missing_data.csv")

mobi <- read.csv(file.path(shared, "ecsi_mobi.csv"))[, -1]
satisfaction <- read.csv(file.path(shared, "ecsi_satisfaction.csv"))[, -1]

hs_model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
pd_model <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"
ecsi_mobi_model <- "Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints =~ CUSCO
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Expectation ~ Image
Quality ~ Expectation
Value ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints ~ Satisfaction
Loyalty ~ Image + Satisfaction + Complaints"
ecsi_sat_model <- "IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT"

measures <- c("npar", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli",
              "logl", "unrestricted.logl", "aic", "bic", "bic2", "rmsea", "rmsea.ci.lower",
              "rmsea.ci.upper", "rmsea.pvalue", "srmr",
              "chisq.scaled", "chisq.scaling.factor", "pvalue.scaled",
              "baseline.chisq.scaled", "baseline.chisq.scaling.factor",
              "cfi.scaled", "tli.scaled", "rmsea.scaled",
              "cfi.robust", "tli.robust", "rmsea.robust",
              "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")

save_fit <- function(fit, name) {
  fm <- fitMeasures(fit)
  keep <- intersect(measures, names(fm))
  wcsv(data.frame(measure = keep, value = as.numeric(fm[keep])), paste0(name, "_fit.csv"))
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE)
  ss <- standardizedSolution(fit, type = "std.all")
  pe$se_std_all <- ss$se
  pe$label <- NULL
  keep_cols <- intersect(c("lhs", "op", "rhs", "group", "est", "se", "z", "pvalue", "std.all",
                           "se_std_all"), names(pe))
  wcsv(pe[, keep_cols], paste0(name, "_estimates.csv"))
  invisible(fit)
}

save_fit(cfa(hs_model, data = hs), "hs_ml")
save_fit(cfa(hs_model, data = hs, estimator = "MLM"), "hs_mlm")
save_fit(cfa(hs_model, data = hs, estimator = "MLR"), "hs_mlr")
save_fit(cfa(hs_model, data = hs_miss, missing = "ml"), "hs_fiml")
save_fit(cfa(hs_model, data = hs_miss, missing = "ml", estimator = "MLR"), "hs_fiml_mlr")
save_fit(sem(pd_model, data = PoliticalDemocracy), "pd_ml")
save_fit(sem(ecsi_mobi_model, data = mobi), "ecsi_mobi_ml")
save_fit(sem(ecsi_mobi_model, data = mobi, estimator = "MLR"), "ecsi_mobi_mlr")
save_fit(sem(ecsi_sat_model, data = satisfaction), "ecsi_satisfaction_ml")
# the two-construct model of the outside review (its scale-invariance case)
save_fit(sem("IMAG =~ imag1 + imag2 + imag3\nSAT =~ sat1 + sat2 + sat3\nSAT ~ IMAG", data = satisfaction),
         "imag_sat_ml")

# measurement invariance across the two schools (lavaan's group.equal sequence)
save_fit(cfa(hs_model, data = hs, group = "school"), "hs_school_configural")
save_fit(cfa(hs_model, data = hs, group = "school", group.equal = "loadings"), "hs_school_metric")
save_fit(cfa(hs_model, data = hs, group = "school", group.equal = c("loadings", "intercepts")),
         "hs_school_scalar")
save_fit(cfa(hs_model, data = hs, group = "school",
             group.equal = c("loadings", "intercepts", "residuals")), "hs_school_strict")

wcsv(data.frame(package = c("R", "lavaan"),
                version = c(paste(R.version$major, R.version$minor, sep = "."),
                            as.character(packageVersion("lavaan")))), "versions.csv")
