"""The Dockerfile frontend: a pure parser (no I/O, no stores) and BuildKit's expansion rules.

`parser.parse(text)` -> nodes; `instructions.program(dockerfile)` -> meta ARGs and
stages of typed instructions; `lexer.Lexer` expands variables; `expand` applies
the rule of which instruction expands what.
"""
