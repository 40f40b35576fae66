"""The project's data: the document, masks, undo commands and autosave."""
