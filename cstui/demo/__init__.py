"""The demo book: a generated portfolio to try cstui (and test it) without a CRM.

``generate`` builds the records from a seed, ``names`` holds the word lists it draws company
and people names from, and ``build`` writes a book into a data directory. Only the CLI (and
tests and benchmarks) import this package; nothing in the app depends on it.
"""
