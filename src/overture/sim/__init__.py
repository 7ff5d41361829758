"""The audience simulator: a seeded population with hidden behaviour, an email channel, history,
an oracle and scenarios, to rehearse and benchmark strategies offline."""
