"""Controllers: the app's logic over the document and the queue, with no widgets. Each one
turns requests (a menu action, a key) into edits, jobs, files or exports and reports back
through signals; `ui/` binds widgets to them and `MainWindow` assembles both."""
