"""What the app does in the background, apart from its widgets: the engine thread and its job
queue, exporting, frames for the viewer, proxies and thumbnails, all run by `worker.Worker`."""
