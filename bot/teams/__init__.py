"""Microsoft Teams through the Bot Framework (botbuilder-core, ``CloudAdapter``).

See docs/TEAMS.md. Only this package imports ``botbuilder``/``botframework`` (import-linter).
"""
