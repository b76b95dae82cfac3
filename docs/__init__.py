"""paperkit's documentation pages, installed as ``paperkit.docs``.

They ship with the package so that a user who installed paperkit from a wheel, without this
repository, can still read every page the help and the papers cite: ``paperkit docs`` lists
them and ``paperkit docs PAGE`` prints one.
"""
