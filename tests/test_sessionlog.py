from paperkit.logs.sessionlog import Session, parse_sessions

# The log.md template of create-something-experiments (SKILL.md, Step 1), filled in: session 1
# as in the template (one paragraph, soft breaks), session 2 as list items, session 3 with an
# em-dash title, lower-case labels, the colon outside the bold and a value over two lines.
LOG = """# Experiment: AI content pipeline

## Hypothesis
Worker AI plus Workflows can summarise 1,000 documents for under $1.

## Success Criteria
- [ ] Cost per 1,000 documents under $1
- [ ] Fewer than 5 interventions

## Session Log
### Session 1: 2025-01-14 - Initial setup
**Duration:** 45 minutes
**Goal:** Scaffold the worker
**Progress:** Worker deployed
**Blockers:** None
**Next:** Add the workflow

### Session 2: 2025-01-15
- **Duration:** 1h30m
- **Goal:** Build the workflow
- **Progress:** Pipeline runs end to end
- **Blockers:** Step timeouts
- **Next:** Tune retries

Notes on session 2 that are not fields.

```markdown
### Session 9: 2025-01-20 - only an example inside a fence
**Duration:** 10 minutes
```

### Session 3: 2025-01-16 \u2014 Tuning
**duration**: 2 hours testing different models
**GOAL:** Pick a model
**Progress:** Compared llama-3.1-8b
and llama-3.1-70b
**Blockers:**
**Next:** Write the paper

## Key Learnings
**Goal:** not part of any session
"""


def test_reads_the_filled_in_template():
    assert parse_sessions(LOG) == (
        Session(
            number=1,
            date="2025-01-14",
            title="Initial setup",
            duration="45 minutes",
            duration_min=45.0,
            goal="Scaffold the worker",
            progress="Worker deployed",
            blockers="None",
            next="Add the workflow",
            line=11,
        ),
        Session(
            number=2,
            date="2025-01-15",
            title=None,
            duration="1h30m",
            duration_min=90.0,
            goal="Build the workflow",
            progress="Pipeline runs end to end",
            blockers="Step timeouts",
            next="Tune retries",
            line=18,
        ),
        Session(
            number=3,
            date="2025-01-16",
            title="Tuning",
            duration="2 hours testing different models",
            duration_min=120.0,
            goal="Pick a model",
            progress="Compared llama-3.1-8b and llama-3.1-70b",
            blockers=None,
            next="Write the paper",
            line=32,
        ),
    )


def test_bom_and_crlf_give_the_same_sessions():
    assert parse_sessions("\ufeff" + LOG.replace("\n", "\r\n")) == parse_sessions(LOG)


def test_unreadable_duration_is_kept_as_text():
    (session,) = parse_sessions("### Session 1: 2025-01-29 - Audit\n**Duration:** Active\n")
    assert (session.duration, session.duration_min) == ("Active", None)
    assert (session.goal, session.progress, session.blockers, session.next) == (None,) * 4


def test_label_on_its_own_takes_the_list_below():
    text = (
        "### Session 4: 2025-02-01\n**Progress:**\n\n- wrote tests\n- fixed CI\n\n**Next:** ship\n"
    )
    (session,) = parse_sessions(text)
    assert session.progress == "wrote tests fixed CI"
    assert session.next == "ship"


def test_markup_inside_values_is_dropped():
    text = "### Session 1: 2025-02-01\n**Goal:** make *the* `worker` [fast](http://x)\n"
    assert parse_sessions(text)[0].goal == "make the worker fast"


def test_unknown_label_ends_the_field_above():
    text = "### Session 1: 2025-02-01\n**Goal:** ship\n**Commits:** 5\nmore commit notes\n"
    assert parse_sessions(text)[0].goal == "ship"


def test_headings_that_are_not_sessions():
    text = (
        "### [Session X]: [DATE] - TRACKING STARTS HERE\n**Duration:** 5 min\n"
        "## Session 1: 2025-01-01\n**Duration:** 5 min\n"
        "### Session one: 2025-01-01\n"
        "### Session 2:\n**Duration:** 5 min\n#### Details\n**Goal:** still session 2\n"
    )
    (session,) = parse_sessions(text)
    assert (session.number, session.date, session.line) == (2, None, 6)
    assert (session.duration_min, session.goal) == (5.0, "still session 2")


def test_no_sessions():
    assert parse_sessions("") == ()
    assert parse_sessions("# Experiment: x\n\n## Session Log\n") == ()
