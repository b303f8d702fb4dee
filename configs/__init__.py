"""The model's input files, shipped as package data: the default scenario, the ceasefire
ladder variants, the record and the sweep examples. Read them through
:mod:`inputs.resources`, which finds them in a checkout and in an installed wheel alike."""
