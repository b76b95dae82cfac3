"""paperkit's built-in Jinja2 templates (installed as the package ``paperkit.templates``)."""
