"""Text at the edges, each kind parsed or written once: JSON as any file gives it (`json_text`), text
from data written into Markdown (`markdown_text`), a seed list as a user types it (`seeds`), and how
each event and device is worded for every front end (`words`)."""
