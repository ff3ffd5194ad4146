"""ttminis: the command-line companion for TikTok Minis mini-game developers."""

__version__ = "0.1.0"
