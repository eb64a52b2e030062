"""The Dockerfile builder: parse (`dockerfile`), plan stages, run steps, write the image."""
