"""The public record as data, and what is computed against it: the record's schema and
checks, scores of replays beside two baselines, the ensemble outlook, the validation report.

The analysis stands outside the model (EMA Workbench style): the core never imports it. The
ABC calibration that runs the sweep runner lives with the drivers (:mod:`sweep.calibrate`),
the commands in :mod:`negotiate.score`. Pattern-oriented modelling: Grimm et al. 2005,
Science 310:987.
"""
