"""Model governance: registry, validation report, stability monitoring, challenger,
fairness audit."""
