"""One module per source. Each turns its input into ``SourceFrames`` and touches no database."""
