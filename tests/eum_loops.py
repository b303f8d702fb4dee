"""A plain-loop transcription of one EUM round on a fixed scale D, for the tests only.

Written from the formulas of Scholz, Calbert & Smith (2011) (as stated in the docstring of
model/mechanisms/eum.py), sharing no code with the vectorised implementation.
"""

from __future__ import annotations


def eum_round_loops(c, x, s, big_d):
    n = len(x)
    w = [c[k] * s[k] for k in range(n)]

    def votes(k, a, b, r):  # k's votes for position a over position b
        return w[k] * ((abs(x[k] - b) / big_d) ** r[k] - (abs(x[k] - a) / big_d) ** r[k])

    def prob(i, j, r):
        den = sum(abs(votes(k, x[a], x[b], r)) for k in range(n) for a in range(n)
                  for b in range(n))
        num = sum(max(votes(k, x[i], x[j], r), 0.0) for k in range(n))
        return num / den if den > 0 else 0.0

    def eu(i, j, r, rv):  # E(U_ij) with utilities reckoned with exponent rv
        dist = abs(x[i] - x[j]) / big_d
        us = 2 - 4 * (0.5 - 0.5 * dist) ** rv
        uf = 2 - 4 * (0.5 + 0.5 * dist) ** rv
        usq = 2 - 4 * 0.5**rv
        p = prob(i, j, r)
        return s[j] * (p * us + (1 - p) * uf) + (1 - s[j]) * us - usq

    ones = [1.0] * n
    danger = [sum(eu(j, i, ones, 1.0) for j in range(n) if j != i) for i in range(n)]
    top, bottom = max(danger), min(danger)
    if top > bottom:
        big_r = [(2 * d - top - bottom) / (top - bottom) for d in danger]
        r = [min(max((1 - v / 3) / (1 + v / 3), 0.5), 2.0) for v in big_r]
    else:
        r = ones
    new = list(x)
    for i in range(n):
        offers = {}
        for j in range(n):
            if x[i] == x[j]:
                continue
            a, b = eu(i, j, r, r[i]), eu(j, i, r, r[i])
            if b > a > 0:
                offers.setdefault(1, []).append((abs(x[j] - x[i]), -b, x[j]))
            elif b > 0 > a and b > -a:
                key = (abs(a) * x[i] + abs(b) * x[j]) / (abs(a) + abs(b))
                offers.setdefault(2, []).append((key, -b, x[i] + (x[j] - x[i]) * abs(a / b)))
            elif b > 0 > a and b < -a:
                offers.setdefault(3, []).append((abs(x[j] - x[i]), -b, x[j]))
        for kind in (1, 2, 3):
            if kind in offers:
                new[i] = min(offers[kind])[2]
                break
    return new
