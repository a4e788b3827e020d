"""The ``lstmlab`` command line (click); ``main.cli`` is the console script."""
