"""Uploaded files below every layer: where their bytes are kept (``storage``), what they are
(``sniff``), their thumbnails (``images``) and the signed links visitors open them by (``links``)."""
