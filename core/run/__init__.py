"""A run as a whole: drive one method to its end, write its events, resume it, and survive a full
disk or a dead terminal."""
