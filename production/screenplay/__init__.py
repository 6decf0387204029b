"""Fountain screenplays: parse and write, paginate, break down, and turn into a spec."""
