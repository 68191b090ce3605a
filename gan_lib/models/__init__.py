"""Generator and critic architectures, registered by name (see :func:`get_model`)."""

from ._api import IMAGE_SIZES, PADDING_MODES, get_model, get_model_builder, list_models, register_model
from .attention import SelfAttention
from .conditional import *  # noqa: F401,F403
from .conditional import __all__ as _conditional_all
from .critic import *  # noqa: F401,F403
from .critic import __all__ as _critic_all
from .generator import *  # noqa: F401,F403
from .generator import __all__ as _generator_all

__all__ = [
    "IMAGE_SIZES",
    "PADDING_MODES",
    "get_model",
    "get_model_builder",
    "list_models",
    "register_model",
    "SelfAttention",
    *_generator_all,
    *_critic_all,
    *_conditional_all,
]
