"""What every simulated endpoint shares: receiving, acknowledging, replying, faults, state."""
