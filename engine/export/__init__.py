"""Export for editors: a project's timeline or one clip to H.264 / ProRes / PNG / OTIO, labelled."""
