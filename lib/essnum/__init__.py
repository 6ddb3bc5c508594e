"""essnum — research and policy-brief workbench of the ESS numérique observatory."""

__version__ = "0.1.0"
