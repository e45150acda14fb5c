#!/usr/bin/python3
"""Reference values for the metric tests, computed live with SciPy and mpmath.

Reads one JSON request on stdin: {"kind": ..., ...}; writes one JSON answer on stdout.
Kinds:
  owens_t       {"points": [[h, a], ...]}                      -> {"t": [...]}  scipy.special.owens_t
  skewnorm_cdf  {"points": [[x, a, loc, scale], ...]}          -> {"cdf": [...], "logcdf": [...]}
  mp_logcdf     {"points": [[z, a], ...]}                      -> {"logcdf": [...]} mpmath, 30 digits,
                log F(z) of SN(0,1,a) = log ∫_0^∞ 2φ(z−u)Φ(a(z−u)) du, deep in the tail too
  skewnorm_fit  {"samples": [[...], ...]}                      -> {"fits": [[a, loc, scale, loglik], ...]}
                scipy.stats.skewnorm.fit (MLE) with Nelder-Mead run to xtol 1e-10
  mannwhitney   {"pairs": [[[x...], [y...]], ...]}             -> {"u": [...]}  U of x against y
  mink          {"rows": [[[logp...], k], ...]}                 -> {"score": [...]}  numpy Min-K%
"""
import json
import sys

import numpy as np


def owens_t(req):
    from scipy.special import owens_t as t
    return {"t": [float(t(h, a)) for h, a in req["points"]]}


def skewnorm_cdf(req):
    from scipy.stats import skewnorm
    cdf, logcdf = [], []
    for x, a, loc, scale in req["points"]:
        cdf.append(float(skewnorm.cdf(x, a, loc=loc, scale=scale)))
        logcdf.append(float(skewnorm.logcdf(x, a, loc=loc, scale=scale)))
    return {"cdf": cdf, "logcdf": logcdf}


def mp_logcdf(req):
    import mpmath as mp
    mp.mp.dps = 30
    out = []
    for z, a in req["points"]:
        z, a = mp.mpf(z), mp.mpf(a)
        f = lambda u: 2 * mp.npdf(z - u) * mp.ncdf(a * (z - u))
        # The integrand falls at rate about |z|(1 + a²) near u = 0; give quad breakpoints on that scale.
        rate = abs(z) + (a * a * abs(z) if a > 0 else 0) + 1
        s = 1 / rate
        points = [0] + [s * 2 ** k for k in range(0, 12)] + [mp.inf]
        out.append(float(mp.log(mp.quad(f, points))))
    return {"logcdf": out}


def skewnorm_fit(req):
    from scipy import optimize
    from scipy.stats import skewnorm

    def tight(func, x0, args=(), disp=0):
        return optimize.fmin(func, x0, args=args, xtol=1e-10, ftol=1e-12, maxiter=20000, maxfun=40000, disp=0)

    fits = []
    for sample in req["samples"]:
        x = np.asarray(sample, dtype=float)
        a, loc, scale = skewnorm.fit(x, optimizer=tight)
        fits.append([float(a), float(loc), float(scale), float(np.sum(skewnorm.logpdf(x, a, loc, scale)))])
    return {"fits": fits}


def mannwhitney(req):
    from scipy.stats import mannwhitneyu
    return {"u": [float(mannwhitneyu(x, y, alternative="two-sided").statistic) for x, y in req["pairs"]]}


def mink(req):
    out = []
    for logp, k in req["rows"]:
        lp = np.sort(np.asarray(logp, dtype=float))
        n = max(1, int(len(lp) * k))
        out.append(float(np.mean(lp[:n])))
    return {"score": out}


def main():
    req = json.load(sys.stdin)
    answer = {"owens_t": owens_t, "skewnorm_cdf": skewnorm_cdf, "mp_logcdf": mp_logcdf,
              "skewnorm_fit": skewnorm_fit, "mannwhitney": mannwhitney, "mink": mink}[req["kind"]](req)
    # JSON has no infinities: write non-finite numbers as null (read back as NaN).
    clean = lambda v: [clean(x) for x in v] if isinstance(v, list) else (v if not isinstance(v, float) or np.isfinite(v) else None)
    json.dump({k: clean(v) for k, v in answer.items()}, sys.stdout)


if __name__ == "__main__":
    main()
