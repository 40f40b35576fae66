"""Helpers shared by the tests and the benches, outside the installed package: synthetic media
(`media`), the seeded bad and odd files (`fuzz_media`) and every entry point that takes a file
(`fuzz_entries`). The benches find it beside them; pytest through `pythonpath` in pyproject."""
