"""paperkit's built-in templates, installed as ``paperkit.templates``.

To change one, copy it into a ``templates/`` folder beside your experiments.yaml (same relative
path) and edit the copy; paperkit docs templates lists what each template is given.
"""
