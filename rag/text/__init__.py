"""Language rules: no index, no I/O. Every function here is offset-safe. The one model is
spaCy's small English pipeline (``parser``), used by ``focus`` and ``reading``.

- ``tokens``: index terms (lower-cased, acronyms expanded, stopwords dropped, stemmed)
- ``sentences``: sentence spans with exact offsets; the token estimate
- ``facts``: checkable facts (numbers, amounts, dates, names) for the verifier
- ``questions``: what a question asks for; multi-part questions split
- ``dates``: date mentions resolved against a published date
- ``followup``: follow-up questions made standalone
- ``asked``: the answer type a question asks for (amount, date, person, reason, ...)
- ``focus``: the thing whose value a question wants and what it is attached to
- ``indirect``: a question rewritten as an indirect one ("in which month Aramco set ...")
- ``do_support``: the verb of "did"/"does" and its tense, for ``indirect``
- ``detail``: the missing detail in words: a noun phrase from the parts, or ``indirect``
- ``reading``: what the answer decision needs of a corpus sentence (entities, lemmas, subjects)
- ``parser``: spaCy loaded once, lazily; ``words``: lemma helpers and word tables
- ``wording``: capitals and leading connectives shared by answers and briefings
"""
