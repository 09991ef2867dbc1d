// Neal's funnel in 10 dimensions, as bench/nuts/main.go writes it in flowppl:
// v ~ Normal(0, 3), x[1..9] ~ Normal(0, exp(v / 2)). The neck (v below about
// -5) is where NUTS's fixed step size diverges.
parameters {
  real v;
  vector[9] x;
}
model {
  v ~ normal(0, 3);
  x ~ normal(0, exp(v / 2));
}
