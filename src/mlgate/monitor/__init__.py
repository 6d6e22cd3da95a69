"""Drift between a reference profile and the current data's profile (pure: profiles in, a Drift out)."""
