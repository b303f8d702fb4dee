"""Analysis of runs: pure functions over tables and DataFrames (forecasts, PRIM)."""
