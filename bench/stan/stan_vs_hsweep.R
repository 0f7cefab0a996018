# The Stan side of bench/stan_vs_hsweep.sh, and the table of both sides.
#   Rscript bench/stan/stan_vs_hsweep.R CACHE WORK
# CACHE: where the .stan files are copied and compiled once (rstan
# auto_write keeps each compiled model as an .rds beside its .stan file);
# WORK: what the shell script left there (see its header): hsweep's task
# results (hs_*.json, with traces), its CPU seconds (hs_*.cpu), the pose
# model's data, initial points and check points (pose_T*.json, written by
# bench/stan_pose_export.c) and settings.txt.
# Prints, on stdout, the density/gradient check lines and then the table:
# one header line and one line per target and side (see the script's header).
suppressPackageStartupMessages({
  library(rstan)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
cache <- args[1]
work <- args[2]
set <- read.table(file.path(work, "settings.txt"), header = TRUE, stringsAsFactors = FALSE)
setting <- function(k) set$value[set$key == k]
rstan_options(auto_write = TRUE)
options(mc.cores = 1)

cpu <- function() { p <- proc.time(); p[["user.self"]] + p[["sys.self"]] }
model <- function(name) {
  t0 <- cpu()
  m <- stan_model(file.path(cache, paste0(name, ".stan")), auto_write = TRUE)
  message(sprintf("stan model %s ready (%.1f s CPU, compiled or loaded from the cache)", name,
                  cpu() - t0))
  m
}

# Bulk ESS (Vehtari et al. 2021, rstan::ess_bulk) of draws [draws x chains].
ess <- function(m) ess_bulk(m)

rows <- list()
add <- function(...) rows[[length(rows) + 1]] <<- list(...)

# hsweep's side from a `hsweep task ... --traces` result: lp and the named subset.
hsweep_side <- function(tag, named) {
  r <- fromJSON(file.path(work, paste0("hs_", tag, ".json")), simplifyVector = TRUE)
  cpu_s <- scan(file.path(work, paste0("hs_", tag, ".cpu")), quiet = TRUE)
  ch <- r$params$chains
  nd <- r$params$draws
  k <- r$metrics$subset_size
  sub <- r$traces$subset_draws
  lp <- matrix(r$traces$lp, nd, ch)
  e <- c(lp__ = ess(lp))
  for (j in seq_along(named)) {
    x <- sub[seq(j, length(sub), by = k)]
    e[named[j]] <- ess(matrix(x, nd, ch))
  }
  list(grads = r$metrics$grad_evals, cpu = cpu_s, ess = e, div = r$metrics$divergences,
       chains = ch, tune = r$params$tune, draws = nd, seed = r$seed, rng_seed = r$rng_seed,
       init_absmax = r$metrics$init_logp_absmax)
}

# Stan's side: sampling with the same settings, CPU time of this process.
stan_side <- function(mod, data, h, init, named_fn) {
  t0 <- cpu()
  fit <- sampling(mod, data = data, chains = h$chains, iter = h$tune + h$draws,
                  warmup = h$tune, seed = as.integer(setting("stan_seed")), init = init,
                  control = list(adapt_delta = as.numeric(setting("target_accept")),
                                 max_treedepth = as.integer(setting("max_treedepth")),
                                 metric = "diag_e"),
                  refresh = 0, show_messages = FALSE, cores = 1)
  cpu_s <- cpu() - t0
  sp <- get_sampler_params(fit, inc_warmup = TRUE)
  grads <- sum(sapply(sp, function(s) sum(s[, "n_leapfrog__"])))
  div <- sum(sapply(sp, function(s) sum(s[-seq_len(h$tune), "divergent__"])))
  a <- as.array(fit)  # [draws, chains, parameters], after warmup
  e <- c(lp__ = ess(a[, , "lp__"]))
  for (nm in names(named_fn)) e[nm] <- ess(named_fn[[nm]](a))
  list(grads = grads, cpu = cpu_s, ess = e, div = div)
}

report <- function(target, h, s, what) {
  for (side in c("stan", "hsweep")) {
    x <- if (side == "stan") s else h
    add(target = target, side = side, chains = h$chains, warmup = h$tune, draws = h$draws,
        grads = x$grads, cpu_s = x$cpu, grads_per_s = x$grads / x$cpu, ess = min(x$ess),
        ess_of = names(which.min(x$ess)), ess_per_grad = min(x$ess) / x$grads,
        ess_per_s = min(x$ess) / x$cpu, divergent = x$div, grad_us = 1e6 * x$cpu / x$grads)
  }
  add(target = target, side = "hsweep/stan", chains = NA, warmup = NA, draws = NA,
      grads = h$grads / s$grads, cpu_s = h$cpu / s$cpu,
      grads_per_s = (h$grads / h$cpu) / (s$grads / s$cpu), ess = min(h$ess) / min(s$ess),
      ess_of = what, ess_per_grad = (min(h$ess) / h$grads) / (min(s$ess) / s$grads),
      ess_per_s = (min(h$ess) / h$cpu) / (min(s$ess) / s$cpu), divergent = NA,
      grad_us = (h$cpu / h$grads) / (s$cpu / s$grads))
}

# ---- eight schools, both parameterisations ----
es <- model("eight_schools")
es_data <- list(J = 8, y = c(28, 8, -3, 7, -1, 1, 18, 12),
                sigma = c(15, 10, 16, 11, 9, 11, 10, 18))
for (param in c("centered", "noncentered")) {
  named <- c("mu", "log_tau", paste0("z[", 1:8, "]"))
  h <- hsweep_side(paste0("eight_", param), named)
  fn <- list(mu = function(a) a[, , "mu"], log_tau = function(a) log(a[, , "tau"]))
  for (j in 1:8) local({ nm <- paste0("z[", j, "]"); fn[[nm]] <<- function(a) a[, , nm] })
  s <- stan_side(es, c(es_data, centered = as.integer(param == "centered")), h, "random", fn)
  report(paste0("eight_schools_", param), h, s, "min(lp__, mu, tau, theta|eta)")
}

# ---- the pose model ----
pose <- model("pose")
# hsweep's q (hs_pose_layout with joints, vmf_natural, mixture, HMM) as Stan's parameters.
q_to_list <- function(q, d) {
  T <- d$T; B <- d$K - 1; S <- d$S; o <- 0
  take <- function(n) { v <- q[o + seq_len(n)]; o <<- o + n; v }
  list(root = take(3 * T), log_eta2 = take(1), xj = take(3 * T * B), log_rho = take(B),
       log_sigma2 = take(B), log_sigma_obs = take(1), logodds = take(1), w = take(3 * S * B),
       init_logit = take(S), trans_logit = take(S * S))
}
pose_named <- c("log_eta2", "log_rho[1]", "log_rho[2]", "log_rho[3]", "log_sigma_obs", "logodds")
pose_fn <- list()
for (nm in pose_named) local({ n <- nm; pose_fn[[n]] <<- function(a) a[, , n] })
tol <- as.numeric(setting("check_tol"))
check_fail <- FALSE
grad_rows <- list()
for (T in as.integer(strsplit(setting("pose_T"), ",")[[1]])) {
  ex <- fromJSON(file.path(work, sprintf("pose_T%d.json", T)), simplifyVector = TRUE)
  d <- ex$data
  d$P <- as.vector(d$P)
  rows_of <- function(x) if (is.list(x)) do.call(rbind, x) else x  # [points x dim]
  q0 <- rows_of(ex$inits$q)
  inits <- lapply(seq_len(nrow(q0)), function(c) q_to_list(q0[c, ], d))
  # A stanfit to evaluate the density at: one fixed-parameter iteration from the first init.
  fp <- sampling(pose, data = d, chains = 1, iter = 1, algorithm = "Fixed_param",
                 init = inits[1], refresh = 0, show_messages = FALSE)
  pts <- rows_of(ex$points$q)
  lp_h <- ex$points$lp
  g_h <- rows_of(ex$points$grad)
  lp_s <- numeric(nrow(pts))
  for (i in seq_len(nrow(pts))) {
    lp_s[i] <- log_prob(fp, pts[i, ], adjust_transform = TRUE)
    g_s <- grad_log_prob(fp, pts[i, ], adjust_transform = TRUE)
    gerr <- max(abs(g_s - g_h[i, ])) / max(abs(g_h[i, ]))
    derr <- abs((lp_s[i] - lp_h[i]) - (lp_s[1] - lp_h[1])) / max(1, abs(lp_h[i]))
    ok <- gerr <= tol && derr <= tol
    check_fail <- check_fail || !ok
    cat(sprintf("check pose_T%d point %d: lp hsweep %.10g stan %.10g (constant %.10g), density rel err %.2e, gradient max|diff|/max|g| %.2e over %d coordinates: %s\n",
                T, i, lp_h[i], lp_s[i], lp_s[i] - lp_h[i], derr, gerr, length(g_h[i, ]),
                if (ok) "ok" else "FAIL"))
  }
  # Gradient evaluations per second at the check points, both ways (CPU time).
  reps <- as.integer(setting("grad_reps"))
  best <- Inf
  for (r in 1:3) {
    t0 <- cpu()
    for (k in seq_len(reps)) grad_log_prob(fp, pts[(k - 1) %% nrow(pts) + 1, ])
    best <- min(best, (cpu() - t0) / reps)
  }
  hs_us <- scan(file.path(work, sprintf("pose_T%d.grad_us", T)), quiet = TRUE)
  grad_rows[[length(grad_rows) + 1]] <- list(T = T, stan_us = 1e6 * best, hs_us = hs_us)
  if (!file.exists(file.path(work, sprintf("hs_pose_T%d.json", T)))) next
  h <- hsweep_side(sprintf("pose_T%d", T), pose_named)
  exo <- read.table(file.path(work, sprintf("export_T%d.txt", T)), col.names = c("key", "value"))
  ex$init_logp_absmax <- exo$value[exo$key == "init_logp_absmax"]
  if (abs(h$init_absmax - ex$init_logp_absmax) > 1e-9 * abs(ex$init_logp_absmax)) {
    cat(sprintf("check pose_T%d: the kernel's init_logp_absmax %.17g differs from the exported model's %.17g: FAIL\n",
                T, h$init_absmax, ex$init_logp_absmax))
    check_fail <- TRUE
  } else {
    cat(sprintf("check pose_T%d: the kernel's init_logp_absmax %.12g = the exported model's: ok\n",
                T, h$init_absmax))
  }
  s <- stan_side(pose, d, h, inits, pose_fn)
  report(sprintf("pose_T%d", T), h, s, "min(lp__, eta2, rho, sigma_obs, logodds)")
}

cat("\n")
fmt <- function(x, digits = 4) ifelse(is.na(x), "-", trimws(formatC(x, digits = digits, format = "g")))
cat("target side chains warmup draws grads cpu_s grads_per_s ess_bulk_min ess_per_grad ess_per_s divergent us_per_grad ess_min_of\n")
for (r in rows)
  cat(paste(c(r$target, r$side, fmt(r$chains), fmt(r$warmup), fmt(r$draws), fmt(r$grads, 6),
              fmt(r$cpu_s), fmt(r$grads_per_s), fmt(r$ess), fmt(r$ess_per_grad),
              fmt(r$ess_per_s), fmt(r$divergent), fmt(r$grad_us), gsub(" ", "", r$ess_of)),
            collapse = " "), "\n", sep = "")
for (g in grad_rows) {
  tgt <- sprintf("pose_T%d_gradient", g$T)
  line <- function(side, gps, us) cat(sprintf("%s %s - - - - - %s - - - - %s -\n", tgt, side, gps, us))
  line("stan", fmt(1e6 / g$stan_us), fmt(g$stan_us))
  line("hsweep", fmt(1e6 / g$hs_us), fmt(g$hs_us))
  line("hsweep/stan", fmt(g$stan_us / g$hs_us), fmt(g$hs_us / g$stan_us))
}
# One result line per figure, the bench/ form `name: value unit (ratio X vs BASELINE)`:
# hsweep's value, the ratio hsweep/Stan.
cat("\n")
for (r in rows) if (r$side == "hsweep") {
  q <- rows[[which(sapply(rows, function(x) x$target == r$target && x$side == "hsweep/stan"))]]
  cat(sprintf("%s_ess_per_s: %s ess/s (ratio %s vs stan)\n", r$target, fmt(r$ess_per_s), fmt(q$ess_per_s)))
  cat(sprintf("%s_ess_per_grad: %s ess/grad (ratio %s vs stan)\n", r$target, fmt(r$ess_per_grad),
              fmt(q$ess_per_grad)))
  cat(sprintf("%s_grads_per_s: %s grads/s (ratio %s vs stan)\n", r$target, fmt(r$grads_per_s),
              fmt(q$grads_per_s)))
}
for (g in grad_rows)
  cat(sprintf("pose_T%d_gradient_grads_per_s: %s grads/s (ratio %s vs stan)\n", g$T,
              fmt(1e6 / g$hs_us), fmt(g$stan_us / g$hs_us)))
if (check_fail) {
  message("stan_vs_hsweep: the Stan transcription of the pose model does not match hsweep's log density or gradient (see the check lines)")
  quit(status = 1)
}
