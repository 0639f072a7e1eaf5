"""Scenario files: the validated pydantic schema (the bottom layer; imports no other layer
but ``errors``), YAML loading, ``extends`` and ``--set`` overrides."""
