"""Who is calling: city systems with API keys, staff with bearer JWTs from the city's identity provider."""
