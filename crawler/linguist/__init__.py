"""GitHub Linguist's rules, as census applies them: language data and detection (``languages``),
``.gitattributes`` (``gitattributes``) and the per-file verdict (``classify``)."""
