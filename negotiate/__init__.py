"""The ``negotiate`` command line: one module per command group."""
