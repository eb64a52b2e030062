"""Presentation helpers shared by every command: Go-template rendering and tables."""
