"""Who is calling: edge headers and bearer tokens turned into a Principal."""
