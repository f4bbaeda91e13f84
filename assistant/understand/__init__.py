"""Question understanding, stage by stage; ``normalise`` is the front door every surface uses."""

from assistant.understand.normalise import Normalised, normalise, warm_up

__all__ = ["Normalised", "normalise", "warm_up"]
