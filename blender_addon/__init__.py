"""galaxyreel package."""
