"""Importers that turn other tools' output into an experiment's log records."""
