"""Analysis of runs: pure functions over tables (never runs a model, never imports a driver)."""
