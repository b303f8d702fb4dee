"""The public record as data, and what is computed against it: scored replays with two
baselines, ABC calibration on the early record, the ensemble outlook, the validation report.

This package is a driver, like :mod:`model.sweep`: it imports the model; the model core
(mechanisms, scenario, agents, :mod:`model.negotiation`) never imports it (EMA Workbench
style: the analysis stands outside the model). Pattern-oriented modelling: Grimm et al.
2005, Science 310:987.
"""
