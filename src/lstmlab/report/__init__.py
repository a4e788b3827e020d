"""``lstmlab reproduce``: one command from a fresh install to a report of every claim of the notes,
measured on the reader's machine."""
