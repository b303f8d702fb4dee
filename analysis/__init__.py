"""Analysis of runs: pure functions over tables and DataFrames (forecasts, PRIM, the run
and sweep reports, the ODD tables of a scenario); never runs a model, never imports a driver."""
