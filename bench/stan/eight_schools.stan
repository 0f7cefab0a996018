// Rubin's eight schools as kernel `nuts` (model = eight_schools) defines it
// (src/numeric/models_ref.c): mu ~ N(0, 5^2), tau ~ HalfCauchy(0, 5),
// theta_j ~ N(mu, tau^2), y_j ~ N(theta_j, sigma_j^2).  centered = 1 samples
// (mu, log tau, theta); centered = 0 (param = "noncentered") samples
// (mu, log tau, eta) with theta = mu + tau eta, eta_j ~ N(0, 1).  The
// unconstrained vector is hsweep's q in both: (mu, log tau, theta or eta).
data {
  int<lower=0, upper=1> centered;
  int<lower=1> J;
  vector[J] y;
  vector<lower=0>[J] sigma;
}
parameters {
  real mu;
  real<lower=0> tau;
  vector[J] z;  // theta (centered) or eta (noncentered)
}
model {
  mu ~ normal(0, 5);
  tau ~ cauchy(0, 5);
  if (centered) {
    z ~ normal(mu, tau);
    y ~ normal(z, sigma);
  } else {
    z ~ normal(0, 1);
    y ~ normal(mu + tau * z, sigma);
  }
}
