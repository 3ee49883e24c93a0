"""What a caller may do: the role map, and the requirements routes declare."""
