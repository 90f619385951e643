"""Question focus and answer type, read with the real spaCy pipeline."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rag.text.focus import ANSWER_TYPES, answer_type, question_focus

# (question, answer type, focus, first attached thing or None, detail in words or None)
SHAPES = [
    ("How much was Alibaba fined in December?", "amount", "amount", "the fine",
     "the amount of Alibaba's December fine"),
    ("Who is the chief executive of Ant Group?", "person", "chief executive", "Ant Group",
     "the chief executive of Ant Group"),
    ("What was the price per share of the IPO?", "amount", "price per share", "the IPO",
     "the price per share of the IPO"),
    ("What did the European Union say about Ant?", "quote", "what the European Union said",
     "the European Union", "what the European Union said about Ant"),
    ("Why was the Ant IPO suspended?", "reason", "reason", "the Ant IPO",
     "why the Ant IPO was suspended"),
    ("Which banks underwrote the IPO?", "organisation", "banks", "the IPO",
     "which banks underwrote the IPO"),
    ("When is the deadline for the rectification?", "date", "deadline", "the rectification",
     "the deadline of the rectification"),
    ("How many users does Alipay have?", "count", "users", "Alipay",
     "the number of users of Alipay"),
    ("What percentage of Ant is owned by Jack Ma?", "percent", "percentage", "Ant", None),
    ("Where was the IPO going to be listed?", "place", "place", "the IPO",
     "where the IPO was going to be listed"),
    ("How did Ant respond to the regulators?", "quote", "what Ant said", "Ant",
     "how Ant responded to the regulators"),
    ("Is Ant Group a bank?", "yes/no", "answer", None, "whether Ant Group is a bank"),
    ("What are the services Ant must fix?", "list", "services", None,
     "the services Ant must fix"),
    ("What is the size of the Ant IPO?", "amount", "amount", "the Ant IPO",
     "the size of the Ant IPO"),
    ("Who set the deadline?", "person", "person", "the deadline", "who set the deadline"),
    ("What did Tenpay receive?", "thing", "answer", "Tenpay", "what Tenpay received"),
    ("How much money would Ant Group's IPO have raised?", "amount", "amount", None, None),
    ("How much did JD.com pay in penalties?", "amount", "amount", None,
     "how much JD.com paid in penalties"),
    ("What was the valuation of Ant Group?", "amount", "valuation", "Ant Group", None),
    ("How large was the planned listing?", "amount", "planned listing", None,
     "how large the planned listing was"),
    ("How many platforms were told to review their business?", "count", "platforms", None, None),
    ("What number of companies were summoned?", "count", "number", None, None),
    ("What share of the mobile payment market does Alipay hold?", "percent", None, None, None),
    ("On what date was the IPO halted?", "date", "date", None, None),
    ("When did the central bank meet Ant?", "date", "date", None, "when the central bank met Ant"),
    ("In which year was Ant founded?", "date", None, None, "in which year Ant was founded"),
    ("Who leads the central bank?", "person", "person", None, "who leads the central bank"),
    ("Whose statement stopped the listing?", "person", None, None, None),
    ("Which official summoned Jack Ma?", "person", None, None,
     "which official summoned Jack Ma"),
    ("Which company was fined for not reporting deals?", "organisation", "company", None, None),
    ("Which regulator announced the review of fintech platforms?", "organisation", "regulator",
     None, None),
    ("What exchange suspended the listing?", "organisation", "exchange", None, None),
    ("Where is Ant Group based?", "place", "place", None, "where Ant Group is based"),
    ("In which city was the listing planned?", "place", None, None, None),
    ("What caused the suspension of the IPO?", "reason", "reason", None, None),
    ("For what reason did Ant withdraw its deposit products?", "reason", "reason", None,
     "for what reason Ant withdrew its deposit products"),
    ("How will Ant fix its credit services?", "manner", "way", None, None),
    ("In what way must the platforms comply?", "manner", "way", None, None),
    ("What did Pan Gongsheng say about Ant?", "quote", "what Pan Gongsheng said",
     "Pan Gongsheng", None),
    ("What did the regulators announce on Thursday?", "quote", "what the regulators said",
     None, None),
    ("Did Ant Group withdraw its deposit products?", "yes/no", "answer", None, None),
    ("Was the IPO the largest in history?", "yes/no", "answer", None, None),
    ("Can Ant still offer insurance?", "yes/no", "answer", None,
     "whether Ant can still offer insurance"),
    ("What were the demands of the central bank?", "list", None, None, None),
    ("List the services Ant must rectify.", "list", None, None,
     "the services Ant must rectify"),
    ("What will supervisors do after platforms finish checking themselves?", "thing", "answer",
     "supervisors", "what supervisors will do after platforms finish checking themselves"),
    ("What happened to the number of products on Ant's platforms?", "thing", None, None, None),
    ("Over what period did the number of insurance products drop?", "date", None, None,
     "over what period the number of insurance products dropped"),
    ("What percentage of Ant does Alibaba own?", "percent", "percentage", "Ant",
     "what percentage of Ant Alibaba owns"),
]  # fmt: skip


@pytest.mark.parametrize(("question", "kind", "focus", "attached", "detail"), SHAPES)
def test_focus_of_each_question_shape(
    question: str, kind: str, focus: str | None, attached: str | None, detail: str | None
) -> None:
    f = question_focus(question)
    assert f.answer_type == kind
    assert f.answer_type in ANSWER_TYPES
    if focus is not None:
        assert f.focus == focus
    if attached is not None:
        assert f.attached and f.attached[0] == attached
    if detail is not None:
        assert f.describe() == detail
    assert f.describe()  # always some words for the missing detail


# (question, the sentence naming the missing detail): a noun phrase from the question's parts
# when it keeps every content word of the question, else the question as an indirect one
DETAILS = [
    ("How much was Alibaba fined in December?",
     "do not give the amount of Alibaba's December fine"),
    ("What is the name of Ant Group's chief risk officer?",
     "do not give the name of Ant Group's chief risk officer"),
    ("Who is the chief executive of Ant Group?", "do not name the chief executive of Ant Group"),
    ("How many internet platforms have completed the self-examination?",
     "do not give the number of internet platforms that have completed the self-examination"),
    ("Why did Alibaba fail to report its earlier deals properly?",
     "do not say why Alibaba failed to report its earlier deals properly"),
    ("Why are there far fewer insurance products on Ant's platforms now?",
     "do not say why there are far fewer insurance products on Ant's platforms now"),
    ("Why is Alipay in the crosshairs of the Chinese authorities?",
     "do not say why Alipay is in the crosshairs of the Chinese authorities"),
    ("Who leads the rectification working group Ant said it would form?",
     "do not say who leads the rectification working group Ant said it would form"),
    ("When did Baidu set up its online banking subsidiary?",
     "do not say when Baidu set up its online banking subsidiary"),
    # "What is X?" asks for X, in the question's own words; not for "the Ant"
    ("What is the name of the regulator's official who spoke on Thursday?",
     "do not give the name of the regulator's official who spoke on Thursday"),
    ("Who is Ant's chairman?", "do not name Ant's chairman"),
    ("What is Ant?", "do not say what Ant is"),
    # the parts would drop or mis-attach words: "the month of Saudi Aramco"
    ("In which month did Saudi Aramco set its share-sale record?",
     "do not say in which month Saudi Aramco set its share-sale record"),
    ("On what date in December did Xi call antitrust supervision of the digital economy a top "
     "priority?", "do not say on what date in December Xi called antitrust supervision of the "
     "digital economy a top priority"),
    ("On what calendar date did the banking regulator order online platforms to review their "
     "fintech business?", "do not say on what calendar date the banking regulator ordered "
     "online platforms to review their fintech business"),
    ("By what date must internet platforms complete their self-examination?",
     "do not say by what date internet platforms must complete their self-examination"),
    ("In which countries outside China can Alipay be used?",
     "do not say in which countries outside China Alipay can be used"),
    ("Where was the leaders' meeting held at which Xi spoke about platform companies?",
     "do not say where the leaders' meeting was held at which Xi spoke about platform "
     "companies"),
    ("Whom did the head of state urge to get tougher on technology firms?",
     "do not say whom the head of state urged to get tougher on technology firms"),
    ("Which vice premier oversees China's financial policy?",
     "do not say which vice premier oversees China's financial policy"),
    ("Which Shanghai exchange official announced the suspension of Ant's listing?",
     "do not say which Shanghai exchange official announced the suspension of Ant's listing"),
    ("How many shares was Ant planning to sell in its dual listing?",
     "do not say how many shares Ant was planning to sell in its dual listing"),
    ("How many institutions will the regulators inspect?",
     "do not say how many institutions the regulators will inspect"),
    ("How much had retail investors already committed to Ant's offering before it was halted?",
     "do not say how much retail investors had already committed to Ant's offering before it "
     "was halted"),
    ("What is the firm reacting to by trimming its range of products?",
     "do not say what the firm is reacting to by trimming its range of products"),
    ("Through which platform were lenders' web savings offerings sold?",
     "do not say through which platform lenders' web savings offerings were sold"),
    ("Which companies must analyze their fintech business under the Commission's Thursday "
     "announcement?", "do not say which companies must analyze their fintech business under "
     "the Commission's Thursday announcement"),
    # a leading adverb is part of what is asked; a leading "and" is not; quoted words
    ("Exactly how much was Alibaba fined?", "do not say exactly how much Alibaba was fined"),
    ("And how did Ant respond to the regulators?",
     "do not say how Ant responded to the regulators"),
    ('What did "pawnshop mentality" mean?', 'do not say what "pawnshop mentality" meant'),
]  # fmt: skip


@pytest.mark.parametrize(("question", "not_given"), DETAILS)
def test_the_missing_detail_reads_as_an_analyst_would_write_it(
    question: str, not_given: str
) -> None:
    f = question_focus(question)
    assert f.not_given() == not_given
    assert not_given.endswith(f.describe())  # the detail as it reads in the sentence
    assert f.to_dict()["detail"] == f.describe()


def test_there_are_forty_shapes_and_every_answer_type_is_covered() -> None:
    assert len(SHAPES) >= 40
    assert {s[1] for s in SHAPES} == set(ANSWER_TYPES)


def test_value_labels_follow_the_type_and_names_come_from_ner() -> None:
    f = question_focus("How much was Alibaba fined in December?")
    assert f.value_labels == {"MONEY"}
    assert ("December", "DATE") in f.names and any(n == "Alibaba" for n, _ in f.names)
    assert f.keys == {"fine"}  # spaCy's lemma "fin" is put right
    assert question_focus("Why was it halted?").value_labels == frozenset()


def test_a_type_rule_for_every_type_word() -> None:
    assert answer_type("Why?") == "reason"
    assert answer_type("Tell me about Ant.") == "thing"


def test_loading_the_parser_does_not_import_torch() -> None:
    code = (
        "import sys; from rag.text.focus import question_focus;"
        "question_focus('Who runs Ant?'); print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_a_question_is_known_once_parsed_and_forgotten_on_request() -> None:
    from rag.text.focus import forget_questions, known_focus

    q = "Who approved the fine against Tenpay?"
    forget_questions()
    assert known_focus(q) is None
    parsed = question_focus(q)
    assert known_focus(q) is parsed
    forget_questions()
    assert known_focus(q) is None


def test_a_reported_event_is_the_focus_not_the_reporting_verb() -> None:
    f = question_focus("When were government inquiries said to have suspended Ant's IPO?")
    assert f.answer_type == "date"
    assert "suspend" in f.keys and "say" not in f.keys
    assert "interview" in question_focus("When did the regulators first interview Ant?").keys


@pytest.mark.parametrize(
    ("question", "key", "light"),
    [
        ("How did the regulators come to learn of Alibaba's practice?", "learn", "come"),
        ("Why did Ant try to list in Hong Kong?", "list", "try"),
        ("When did Ant begin to withdraw the products?", "withdraw", "begin"),
        ("How did Ant manage to keep its licence?", "keep", "manage"),
        # a light verb that carries none gives way to its subject ("go live": the health code)
        ("In which city did Alipay's health code first go live?", "code", "go"),
        ("When did the new rules come into force?", "rule", "come"),
    ],
)
def test_a_light_verb_gives_way_to_the_verb_it_carries(question: str, key: str, light: str) -> None:
    keys = question_focus(question).keys
    assert key in keys and light not in keys, keys


def test_an_attribution_names_the_source_not_what_the_answer_mentions() -> None:
    for q in (
        "According to the report on Xi Jinping's speech, how much did Ant plan to raise?",
        "According to Xinhua, when did Ant announce the working group?",
    ):
        assert [n for n, _ in question_focus(q).names] == ["Ant"], q


def test_the_ipo_is_a_measure_and_an_untagged_proper_noun_subject_is_a_name() -> None:
    ipo = question_focus("How much money would Ant Group's IPO have raised?")
    assert all(n.lower() != "ipo" for n, _ in ipo.names)
    own = question_focus("What percentage of Ant does Alibaba own?")
    assert ("Alibaba", "PROPN") in own.names and any(n == "Ant" for n, _ in own.names)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which Shanghai exchange official announced the suspension?", "person"),
        ("What is the name of Ant Group's chief risk officer?", "person"),
        ("On what calendar date did the regulator order the review?", "date"),
        ("Which credit rating agency downgraded Alibaba?", "organisation"),
        # "what the firm does" and "which rights of firms" do not ask for an organisation
        ("Is the business under fire only a small slice of what the firm does?", "yes/no"),
        ("Besides property, which rights of firms must be shielded?", "thing"),
    ],
)
def test_a_person_or_organisation_noun_after_other_words_still_types_the_question(
    question: str, kind: str
) -> None:
    assert answer_type(question) == kind


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_a_blank_question_asks_for_nothing_in_particular(blank: str) -> None:
    f = question_focus(blank)
    assert (f.answer_type, f.names, f.keys) == ("thing", (), frozenset())
    assert f.describe()
