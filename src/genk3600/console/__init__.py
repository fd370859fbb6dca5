"""The agent console: static pages served by the app, plus the few endpoints only a console needs."""
