# Check-ins, follow-ups, evaluations and gatherings live here as they are built.
