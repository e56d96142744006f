"""What the trainers raise when the user's files or options cannot be used."""


class TrainerError(ValueError):
    """A missing or refused network pickle, or options a trainer cannot run with."""
