"""Who wears what and where: costume rules and the continuity report."""
