"""Citation-backed briefings on a topic, built from the same citing path as answers.

- ``evidence``: the pool of relevant sentences and the summary
- ``pieces``: sentences tidied into stand-alone extracts; one sentence per fact
- ``facets``: the parts of a news story and which sentence serves which
- ``timeline``: dated events merged across documents
- ``figures``: key figures and disagreements
- ``types``: the ``Briefing`` and its JSON shape; ``render``: Markdown and HTML
- ``briefer``: the ``Briefer``, composing the above
"""
