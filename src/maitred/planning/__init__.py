"""Pure planning: combination search, scoring, quotes, alternatives, day planners, validator."""
