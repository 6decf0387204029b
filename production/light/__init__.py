"""Light maths: colour temperature and gels, photometry, lighting rigs in stops, sun and moon positions."""
