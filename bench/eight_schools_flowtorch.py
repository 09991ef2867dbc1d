#!/usr/bin/python3
"""The peer's side of bench/compare.sh's posterior rows: eight schools
(posteriordb eight_schools_noncentered) fitted by the ELBO with a FlowTorch
guide, as a PyTorch user would write it.

The model is the Stan program's: theta_trans ~ N(0, 1)^J, mu ~ N(0, 5),
tau ~ HalfCauchy(5), y ~ N(mu + tau * theta_trans, sigma); the guide lives
in the unconstrained space (theta_trans, mu, log tau), and the log density
adds log tau, the log-Jacobian of tau = exp(log tau). Each step draws
`batch` points from the guide with rsample and minimises
mean(log q(z) - log p(y, z)), with Adam.

Guides: flow = FlowTorch AffineAutoregressive with a DenseAutoregressive
conditioner of the given hidden sizes; meanfield = FlowTorch's elementwise
Affine bijector (a learnable diagonal normal, ADVI).

Prints one line "RESULT {json}" with loop_s (training loop wall seconds),
steps_done, final_loss (mean of the last 50 steps), elbo (4096 fresh draws
after training, no gradients) and maxrss_mb, like
../shared/bench/flowtorch_train.py. Needs Debian's python3-torch and
FlowTorch on PYTHONPATH (bench/compare.sh sets it).
"""
import argparse
import json
import math
import resource
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="posteriordb data.json")
    ap.add_argument("--guide", choices=["flow", "meanfield"], default="flow")
    ap.add_argument("--hidden", default="32,32")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.005)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    args = ap.parse_args()

    import torch
    import flowtorch.bijectors as B
    import flowtorch.distributions as D
    import flowtorch.parameters as P

    if args.dtype == "float64":
        torch.set_default_dtype(torch.float64)
    torch.manual_seed(args.seed)
    with open(args.data) as f:
        data = json.load(f)
    J = int(data["J"])
    y = torch.tensor(data["y"], dtype=torch.get_default_dtype())
    sigma = torch.tensor(data["sigma"], dtype=torch.get_default_dtype())
    d = J + 2
    log2pi = math.log(2 * math.pi)

    def log_joint(z):
        theta_trans, mu, log_tau = z[:, :J], z[:, J], z[:, J + 1]
        tau = log_tau.exp()
        lp = -0.5 * (theta_trans**2).sum(-1) - 0.5 * J * log2pi
        lp = lp - 0.5 * (mu / 5) ** 2 - math.log(5) - 0.5 * log2pi
        # HalfCauchy(5) on tau > 0, plus the log-Jacobian log tau.
        lp = lp + math.log(2 / (math.pi * 5)) - torch.log1p((tau / 5) ** 2) + log_tau
        theta = mu[:, None] + tau[:, None] * theta_trans
        lp = lp + (-0.5 * ((y - theta) / sigma) ** 2 - sigma.log() - 0.5 * log2pi).sum(-1)
        return lp

    base = torch.distributions.Independent(
        torch.distributions.Normal(torch.zeros(d), torch.ones(d)), 1
    )
    if args.guide == "flow":
        hidden = tuple(int(h) for h in args.hidden.split(","))
        bij = B.AffineAutoregressive(params_fn=P.DenseAutoregressive(hidden_dims=hidden))
    else:
        bij = B.Affine()
    q = D.Flow(base, bij)
    opt = torch.optim.Adam(q.parameters(), lr=args.lr)
    losses = []
    diverged_at = None
    t0 = time.perf_counter()
    for step in range(args.steps):
        opt.zero_grad()
        z = q.rsample((args.batch,))
        loss = (q.log_prob(z) - log_joint(z)).mean()
        if not math.isfinite(loss.item()):
            diverged_at = step
            break
        loss.backward()
        opt.step()
        losses.append(loss.item())
    loop_s = time.perf_counter() - t0
    elbo = float("nan")
    if diverged_at is None:
        with torch.no_grad():
            z = q.rsample((4096,))
            elbo = (log_joint(z) - q.log_prob(z)).mean().item()
    tail = losses[-50:]
    res = {
        "guide": args.guide,
        "steps": args.steps,
        "steps_done": len(losses),
        "diverged_at": diverged_at,
        "batch": args.batch,
        "lr": args.lr,
        "dtype": args.dtype,
        "threads": torch.get_num_threads(),
        "loop_s": round(loop_s, 4),
        "final_loss": sum(tail) / len(tail) if tail else float("nan"),
        "elbo": elbo,
        "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print("RESULT " + json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
