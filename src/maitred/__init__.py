"""maitred: decides which table or combination of adjacent tables seats each party."""

__version__ = "0.1.0"
