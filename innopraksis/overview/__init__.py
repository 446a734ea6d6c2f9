"""What gathers everything: the role home pages, a person's calendar feed and their personal data, retention,
and demo data. The top layer: it may use every app's models and services, and nothing uses it."""
