"""Answers whose every sentence is checked against the spans it cites.

- ``scored``: retrieved sentences scored for a question (``ScoredSentence``)
- ``answerability``: whether the evidence answers the question (the abstain decision)
- ``selection``: which sentences make an extractive answer
- ``claims``: ``Claim`` and the ``ClaimWriter`` seam (``ExtractiveWriter``)
- ``llm``: LLM back ends and the ``LLMWriter``
- ``verify``: does a span support a sentence
- ``citing``: the one citing path (verify, re-cite or drop, number), used by briefings too
- ``conflicts``: where sources disagree on a figure
- ``evidence``: ``Evidence``, what an answer starts from
- ``status``: answered, partial or unanswerable before writing (``Decider``), and why
- ``partial``: a partial answer, led by the sentence nearest the question
- ``answerer``: the ``Answerer``, composing the above
"""
