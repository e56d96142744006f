"""What the detectors library raises when a detector cannot be built as asked."""


class DetectorError(ValueError):
    """An unknown detector, an unreadable cascade file, or an OpenCV build without cascades."""
