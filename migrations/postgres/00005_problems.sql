-- Problem management after the incident. Until now a closed incident carried its
-- problem record (PRB-n: RCA owner and due date) inside incidents.data, where nothing
-- could work it: no root cause, no workaround, no reminder, no link to a second
-- incident. From here on:
--  * problems holds each record as it is worked (open -> known_error -> closed);
--  * problem_incidents links a problem to every incident it explains, so that a
--    problem opened for recurring incidents links all of them;
--  * known_errors is the known-error database responders search: plain text
--    columns (title, root cause, workaround) that later full-text search indexes;
--  * actions are the follow-up actions of incidents, numbered across all of them.
-- known_errors and actions are numbered by the store (max + 1 under a transaction
-- advisory lock) rather than by a sequence, so that numbers have no gaps.

-- +goose Up

CREATE TABLE problems (
    -- "PRB-12": the number of the incident whose closing opened it.
    ref         text           PRIMARY KEY,
    -- Person key of the RCA owner.
    owner       text           NOT NULL DEFAULT '',
    -- When the root-cause analysis is due: the owner is reminded a day before and
    -- the SMO head is told when it passes.
    due         timestamptz(3) NOT NULL,
    state       text           NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'known_error', 'closed')),
    root_cause  text           NOT NULL DEFAULT '',
    workaround  text           NOT NULL DEFAULT '',
    -- The change (RFC, ticket) that carried the permanent fix; set on close.
    change      text           NOT NULL DEFAULT '',
    created_at  timestamptz(3) NOT NULL,
    closed_at   timestamptz(3)
);
-- `mimbot problem list` and the reports read open problems by due date.
CREATE INDEX problems_open ON problems (due) WHERE state <> 'closed';

CREATE TABLE problem_incidents (
    problem  text    NOT NULL REFERENCES problems (ref),
    incident integer NOT NULL REFERENCES incidents (number),
    PRIMARY KEY (problem, incident)
);
-- An incident's JSON names its problem: found by incident.
CREATE INDEX problem_incidents_incident ON problem_incidents (incident);

CREATE TABLE known_errors (
    -- "KE-3": numbered in publishing order, with no gaps.
    number       integer        PRIMARY KEY,
    -- A problem publishes one known error.
    problem      text           NOT NULL UNIQUE REFERENCES problems (ref),
    title        text           NOT NULL,
    root_cause   text           NOT NULL,
    workaround   text           NOT NULL,
    published_at timestamptz(3) NOT NULL
);

CREATE TABLE actions (
    -- Numbered across every incident: `action done 7` needs no incident.
    number     integer        PRIMARY KEY,
    incident   integer        NOT NULL REFERENCES incidents (number),
    text       text           NOT NULL,
    -- Person key of who carries it out.
    owner      text           NOT NULL,
    -- The end of the due date (or the moment a duration gave): the owner is reminded
    -- on the due date, the SMO head told once it passes.
    due        timestamptz(3) NOT NULL,
    done_at    timestamptz(3),
    done_by    text           NOT NULL DEFAULT '',
    created_by text           NOT NULL,
    created_at timestamptz(3) NOT NULL
);
CREATE INDEX actions_incident ON actions (incident, number);
-- `action list` without an incident lists the open actions of every incident.
CREATE INDEX actions_open ON actions (number) WHERE done_at IS NULL;

-- Upgrade: every problem record in an incident document becomes a row, linked to its
-- incident, so that nothing handed to problem management before is lost. The
-- documents' times are RFC 3339 text, which timestamptz reads as it is.
INSERT INTO problems (ref, owner, due, created_at)
SELECT data->'problem'->>'ref',
       COALESCE(data->'problem'->>'owner', ''),
       COALESCE(data->'problem'->>'due', data->'problem'->>'created_at')::timestamptz,
       COALESCE(data->'problem'->>'created_at', data->'problem'->>'due')::timestamptz
FROM incidents
WHERE data->'problem'->>'ref' IS NOT NULL
ON CONFLICT (ref) DO NOTHING;

INSERT INTO problem_incidents (problem, incident)
SELECT data->'problem'->>'ref', number
FROM incidents
WHERE data->'problem'->>'ref' IS NOT NULL
ON CONFLICT DO NOTHING;

-- The upgraded problems whose RCA is still ahead get the reminders a problem opened
-- today gets (a day before, and at the due time); those already overdue are not
-- escalated all at once by an upgrade. Global timers (incident 0), keyed by ref.
INSERT INTO timers (incident, key, due)
SELECT 0, 'problem:' || ref || ':remind', due - interval '24 hours'
FROM problems
WHERE due - interval '24 hours' > now()
ON CONFLICT (incident, key) DO NOTHING;

INSERT INTO timers (incident, key, due)
SELECT 0, 'problem:' || ref || ':overdue', due
FROM problems
WHERE due > now()
ON CONFLICT (incident, key) DO NOTHING;

-- +goose Down

DELETE FROM timers WHERE incident = 0 AND (key LIKE 'problem:%' OR key LIKE 'action:%');
DROP TABLE actions;
DROP TABLE known_errors;
DROP TABLE problem_incidents;
DROP TABLE problems;
