"""What the pages of every part of 防返贫监测 share (the helpers every module's pages use)."""

from cunwu.accounts.pages import form_page, need

__all__ = ["form_page", "need"]
