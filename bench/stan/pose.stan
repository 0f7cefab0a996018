// The GIMBAL pose model of kernel `nuts` (model = pose) with its defaults,
// transcribed from include/hsweep/pose.h and src/numeric/pose.c: positive
// bone lengths, joint-position coordinates (coords = "joints") and vMF
// natural parameters (vmf_natural), the outlier mixture, the directional HMM
// with normalised vMF emissions, the keypoint term counted once.
// Every parameter is declared unconstrained, in the order and layout of
// hsweep's q (hs_pose_layout), with the log-Jacobians written out, so
// Stan's unconstrained vector is hsweep's q and log_prob / grad_log_prob
// compare point by point.  Stan syntax of 2.21 (Debian's rstan).
data {
  int<lower=1> T;
  int<lower=2> K;
  int<lower=1> C;
  int<lower=1> S;
  int<lower=1> N_obs;               // seen keypoints (missing ones add 0)
  int parents[K];                   // 1-based, 0 for the root
  vector[K - 1] nominal;            // nominal bone lengths (prior modes of rho)
  vector[12 * C] P;                 // camera matrices, row-major [C][3][4]
  int cam_start[C];                 // keypoints of camera c: cam_start[c] .. + cam_len[c] - 1
  int cam_len[C];
  int obs_pt[N_obs];                // joint k of frame t: (t - 1) K + k
  vector[N_obs] obs_y0;
  vector[N_obs] obs_y1;
  real width;
  real height;
  vector[3] xhat0;                  // prior centre of the root at frame 1
  real eta2_mode;
  real eta2_sd;
  real sigma_obs_mode;
  real sigma_obs_sd;
  real kappa_mode;
  real kappa_sd;
  vector[K - 1] rho_sd;
  vector[K - 1] sigma2_mode;
  vector[K - 1] sigma2_sd;
}
transformed data {
  int B = K - 1;
  real log_wh = log(width * height);  // outlier density 1 / (W H)
  real dir_eps = 1e-8;                // l = sqrt(|v|^2 + 1e-8), as the seed
  real h2_min = 1e-6;                 // yhat = (h0, h1) / max(h2, 1e-6)
  // Gamma(mode m, sd s): rate (m + sqrt(m^2 + 4 s^2)) / (2 s^2), shape 1 + m rate
  real b_eta = (eta2_mode + sqrt(square(eta2_mode) + 4 * square(eta2_sd))) / (2 * square(eta2_sd));
  real a_eta = 1 + eta2_mode * b_eta;
  real b_sobs = (sigma_obs_mode + sqrt(square(sigma_obs_mode) + 4 * square(sigma_obs_sd)))
                / (2 * square(sigma_obs_sd));
  real a_sobs = 1 + sigma_obs_mode * b_sobs;
  real b_kap = (kappa_mode + sqrt(square(kappa_mode) + 4 * square(kappa_sd))) / (2 * square(kappa_sd));
  real a_kap = 1 + kappa_mode * b_kap;
  vector[K - 1] b_rho;
  vector[K - 1] a_rho;
  vector[K - 1] b_s2;
  vector[K - 1] a_s2;
  matrix[4, 3] Pt[C];                // P_c transposed: h = [x, 1] Pt
  for (b in 1:B) {
    b_rho[b] = (nominal[b] + sqrt(square(nominal[b]) + 4 * square(rho_sd[b]))) / (2 * square(rho_sd[b]));
    a_rho[b] = 1 + nominal[b] * b_rho[b];
    b_s2[b] = (sigma2_mode[b] + sqrt(square(sigma2_mode[b]) + 4 * square(sigma2_sd[b])))
              / (2 * square(sigma2_sd[b]));
    a_s2[b] = 1 + sigma2_mode[b] * b_s2[b];
  }
  for (c in 1:C)
    for (i in 1:3)
      for (j in 1:4)
        Pt[c][j, i] = P[12 * (c - 1) + 4 * (i - 1) + j];
}
parameters {
  vector[3 * T] root;               // root position [T][3]
  real log_eta2;                    // log of the root's step variance
  vector[3 * T * (K - 1)] xj;       // joints 1..K-1 [T][K-1][3]
  vector[K - 1] log_rho;            // log mean bone lengths
  vector[K - 1] log_sigma2;         // log bone-length variances
  real log_sigma_obs;               // log keypoint noise (px)
  real logodds;                     // inlier log odds
  vector[3 * S * (K - 1)] w;        // vMF natural parameters kappa mu [S][K-1][3]
  vector[S] init_logit;
  vector[S * S] trans_logit;        // rows: from-state
}
model {
  real eta2 = exp(log_eta2);
  real sigma_obs = exp(log_sigma_obs);
  vector[K - 1] rho = exp(log_rho);
  vector[K - 1] sigma = exp(0.5 * log_sigma2);
  matrix[T * K, 4] X;               // [x, 1] of joint k at frame t in row (t - 1) K + k
  matrix[T, 3] u[K - 1];            // bone directions
  vector[T] l;

  // Root: x_root[1] ~ N(xhat0, I3), steps ~ N(0, eta^2 I3), eta^2 ~ Gamma (log scale).
  target += normal_lpdf(root[1:3] | xhat0, 1);
  if (T > 1)
    target += normal_lpdf(root[4:(3 * T)] - root[1:(3 * T - 3)] | 0, sqrt(eta2));
  target += gamma_lpdf(eta2 | a_eta, b_eta) + log_eta2;

  for (t in 1:T) {
    int r = (t - 1) * K;
    X[r + 1] = [root[3 * t - 2], root[3 * t - 1], root[3 * t], 1.0];
    for (k in 2:K) {
      int o = 3 * ((t - 1) * B + k - 2);
      X[r + k] = [xj[o + 1], xj[o + 2], xj[o + 3], 1.0];
    }
  }

  // Bones: v = x_k - x_parent, l = sqrt(|v|^2 + eps), u = v / l;
  // l ~ N(rho, sigma^2) truncated at 0, Jacobian of (l, u) -> v: -2 log l.
  for (b in 1:B) {
    int k = b + 1;
    for (t in 1:T) {
      row_vector[3] v = X[(t - 1) * K + k, 1:3] - X[(t - 1) * K + parents[k], 1:3];
      l[t] = sqrt(dot_self(v) + dir_eps);
      u[b][t] = v / l[t];
    }
    target += normal_lpdf(l | rho[b], sigma[b]) - T * normal_lcdf(rho[b] | 0, sigma[b])
              - 2 * sum(log(l));
    target += gamma_lpdf(rho[b] | a_rho[b], b_rho[b]) + log_rho[b];
    target += gamma_lpdf(exp(log_sigma2[b]) | a_s2[b], b_s2[b]) + log_sigma2[b];
  }

  // Keypoints: mixture of N(yhat, sigma_obs^2 I2) (weight inv_logit(logodds))
  // and uniform pixels; logodds ~ N(0, 5^2), sigma_obs ~ Gamma (log scale).
  {
    real lp_in = log_inv_logit(logodds);
    real lp_out = log1m_inv_logit(logodds) - log_wh;
    for (c in 1:C) {
      int n0 = cam_start[c];
      int n1 = cam_start[c] + cam_len[c] - 1;
      matrix[cam_len[c], 3] H = X[obs_pt[n0:n1]] * Pt[c];
      vector[cam_len[c]] lg;
      for (n in 1:cam_len[c]) {
        real z = fmax(H[n, 3], h2_min);
        lg[n] = normal_lpdf(obs_y0[n0 + n - 1] | H[n, 1] / z, sigma_obs)
                + normal_lpdf(obs_y1[n0 + n - 1] | H[n, 2] / z, sigma_obs);
        target += log_sum_exp(lp_in + lg[n], lp_out);
      }
    }
    target += gamma_lpdf(sigma_obs | a_sobs, b_sobs) + log_sigma_obs;
    target += normal_lpdf(logodds | 0, 5);
  }

  // HMM over states with vMF emissions e[t, s] = sum_b w_sb . u_b[t] + log C3(kappa_sb),
  // kappa = sqrt(|w|^2 + eps), prior Gamma(kappa) / kappa^2; logits ~ N(0, 1);
  // the states summed out by the forward algorithm.
  {
    matrix[T, S] e;
    matrix[S, S] log_trans;
    vector[S] alpha;
    vector[S] next_alpha;
    for (s in 1:S) {
      real cs = 0;
      e[, s] = rep_vector(0, T);
      for (b in 1:B) {
        int o = 3 * ((s - 1) * B + b - 1);
        vector[3] wsb = w[(o + 1):(o + 3)];
        real kap = sqrt(dot_self(wsb) + dir_eps);
        target += gamma_lpdf(kap | a_kap, b_kap) - 2 * log(kap);
        cs += log(kap) - log(2 * pi()) - kap - log1m_exp(-2 * kap);  // log C3(kappa)
        e[, s] = e[, s] + u[b] * wsb;
      }
      e[, s] = e[, s] + cs;
    }
    init_logit ~ normal(0, 1);
    trans_logit ~ normal(0, 1);
    for (r in 1:S)
      log_trans[r] = log_softmax(trans_logit[((r - 1) * S + 1):(r * S)])';
    alpha = log_softmax(init_logit) + e[1]';
    for (t in 2:T) {
      for (s in 1:S)
        next_alpha[s] = log_sum_exp(alpha + log_trans[, s]) + e[t, s];
      alpha = next_alpha;
    }
    target += log_sum_exp(alpha);
  }
}
