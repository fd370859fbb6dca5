"""Texts for citizens in their language (nl, fr, en, de), from gettext catalogues (DESIGN.md: klantentaal)."""

from genk3600.i18n.catalogue import (
    DOMAIN,
    LANGUAGES,
    N_,
    P_,
    format_moment,
    negotiate,
    requested_language,
    translator,
)

__all__ = ["DOMAIN", "LANGUAGES", "N_", "P_", "format_moment", "negotiate", "requested_language", "translator"]
