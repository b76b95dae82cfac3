"""Data files shipped with paperkit (service list prices with their sources)."""
