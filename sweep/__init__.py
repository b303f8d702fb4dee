"""Parameter sweeps: reproducible, resumable, parallel (issue: sweeps and batch export)."""
