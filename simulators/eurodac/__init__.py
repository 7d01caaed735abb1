"""The simulated Eurodac Central System: regime rules, biometric comparison, replies."""
