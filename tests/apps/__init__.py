"""Small apps that tests serve through real servers."""
