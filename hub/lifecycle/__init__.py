"""Process lifecycle (DESIGN §19): waiting for services at start, one clear line when one is
missing, graceful shutdown of ``payhub serve`` and ``payhub worker``."""
