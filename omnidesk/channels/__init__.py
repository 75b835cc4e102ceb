"""Wire formats of the channels that reach us from outside (telephony providers, ...): parsing, signature
checks and the answers they expect. One module per channel; no database access here."""
