"""Pure language rules: no model, no index, no I/O. Every function here is offset-safe.

- ``tokens``: index terms (lower-cased, acronyms expanded, stopwords dropped, stemmed)
- ``sentences``: sentence spans with exact offsets; the token estimate
- ``facts``: checkable facts (numbers, amounts, dates, names) for the verifier
- ``questions``: what a question asks for; multi-part questions split
- ``dates``: date mentions resolved against a published date
- ``followup``: follow-up questions made standalone
- ``wording``: capitals and leading connectives shared by answers and briefings
"""
