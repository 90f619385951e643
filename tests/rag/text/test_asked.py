"""The answer type by the question's wording: plural nouns, the names of organisations, rates,
and a "when" inside the question that is not what it asks."""

from __future__ import annotations

import pytest

from rag.text.asked import answer_type


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # plural people nouns ask for people, as the singular ones do
        ("Which Ant executives attended the December 26 meeting?", "person"),
        ("Which officials spoke on Sunday?", "person"),
        ("Which chairmen resigned?", "person"),
        ("Which executive spoke?", "person"),
        # the name of a company or a subsidiary is an organisation, of an officer a person
        ("What is the name of JD.com's fintech subsidiary?", "organisation"),
        ("What is the name of Ant Group's chief risk officer?", "person"),
        ("Which subsidiaries offer online banking?", "organisation"),
        # a rate is a share
        ("What interest rate did the deposit products pay?", "percent"),
        ("What rate did the bank charge?", "percent"),
        # a "when" inside the question is a clause, not what it asks
        ("Which specific regulation did officials cite when halting the IPO?", "thing"),
        ("Who said that Ant would list when conditions allow?", "person"),
        ("What did Ma say when he spoke in Shanghai?", "quote"),
        ("When did the regulators interview Ant?", "date"),
        # an imperative asks for its object; "list" the verb is not a list question
        ("Give the date on which Ant gave up its plan to list in Hong Kong.", "date"),
        ("Name the official who spoke on December 31.", "person"),
        ("Tell me the amount Ant would have raised.", "amount"),
        ("Name the products Ant withdrew.", "list"),
        ("List the products Ant withdrew.", "list"),
        ("Why did Ant plan to list in Hong Kong?", "reason"),
        # a hyphenated modifier of an organisation noun, and a method asked by "by what"
        ("Which e-commerce platforms did Beijing target?", "organisation"),
        ("Name the e-commerce platforms Beijing regulates more tightly.", "organisation"),
        ("By what method does Alipay pass loans on to small banks?", "manner"),
        # an organisation noun after the question's verb is its subject, not what is asked
        ("What method did regulators use?", "manner"),
        ("What reason did the regulators give?", "reason"),
        ("And when did it happen?", "date"),
        ("Where did Xi speak when he called for tougher rules?", "place"),
        # a yes/no question's "who" is a relative pronoun
        ("Will people who signed up for the products be hurt by the pull-out?", "yes/no"),
        # "what exactly did X say" asks for words said
        ("What exactly did Jack Ma say in the remarks?", "quote"),
        # the value of something is an amount; long names before the wanted noun; bodies
        ("What was the combined value of the acquisitions Alibaba failed to report?", "amount"),
        ("Which South China Morning Post reporter broke the news?", "person"),
        ("Which government body ran the inquiries?", "organisation"),
        ("Which universities does Ant Group fund research at?", "organisation"),
    ],
)
def test_answer_type(question: str, kind: str) -> None:
    assert answer_type(question) == kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # one list of person nouns after "which" and after "the name of", plurals in both
        ("What were the names of the bank's spokespeople?", "person"),
        ("What are the names of the officials who met Ma?", "person"),
        ("What is the name of the journalist who broke the story?", "person"),
        ("Which company director resigned?", "person"),
        ("Which Alibaba leaders met the regulators?", "person"),
        # "head" after "which" is a verb, a title only after "the name of"
        ("Which agency heads the inquiry?", "organisation"),
        ("What is the name of the bank's head?", "person"),
    ],
)
def test_person_nouns_are_one_list(question: str, kind: str) -> None:
    assert answer_type(question) == kind
