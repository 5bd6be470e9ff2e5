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
-- Times are INTEGER Unix milliseconds, as everywhere in this schema.

-- +goose Up

CREATE TABLE problems (
    -- "PRB-12": the number of the incident whose closing opened it.
    ref         TEXT    PRIMARY KEY,
    -- Person key of the RCA owner.
    owner       TEXT    NOT NULL DEFAULT '',
    -- When the root-cause analysis is due: the owner is reminded a day before and
    -- the SMO head is told when it passes.
    due         INTEGER NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'known_error', 'closed')),
    root_cause  TEXT    NOT NULL DEFAULT '',
    workaround  TEXT    NOT NULL DEFAULT '',
    -- The change (RFC, ticket) that carried the permanent fix; set on close.
    change      TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    closed_at   INTEGER
);
-- `mimbot problem list` and the reports read open problems by due date.
CREATE INDEX problems_open ON problems (due) WHERE state <> 'closed';

CREATE TABLE problem_incidents (
    problem  TEXT    NOT NULL REFERENCES problems (ref),
    incident INTEGER NOT NULL REFERENCES incidents (number),
    PRIMARY KEY (problem, incident)
);
-- An incident's JSON names its problem: found by incident.
CREATE INDEX problem_incidents_incident ON problem_incidents (incident);

CREATE TABLE known_errors (
    -- "KE-3": numbered in publishing order, with no gaps.
    number       INTEGER PRIMARY KEY,
    -- A problem publishes one known error.
    problem      TEXT    NOT NULL UNIQUE REFERENCES problems (ref),
    title        TEXT    NOT NULL,
    root_cause   TEXT    NOT NULL,
    workaround   TEXT    NOT NULL,
    published_at INTEGER NOT NULL
);

CREATE TABLE actions (
    -- Numbered across every incident: `action done 7` needs no incident.
    number     INTEGER PRIMARY KEY,
    incident   INTEGER NOT NULL REFERENCES incidents (number),
    text       TEXT    NOT NULL,
    -- Person key of who carries it out.
    owner      TEXT    NOT NULL,
    -- The end of the due date (or the moment a duration gave): the owner is reminded
    -- on the due date, the SMO head told once it passes.
    due        INTEGER NOT NULL,
    done_at    INTEGER,
    done_by    TEXT    NOT NULL DEFAULT '',
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX actions_incident ON actions (incident, number);
-- `action list` without an incident lists the open actions of every incident.
CREATE INDEX actions_open ON actions (number) WHERE done_at IS NULL;

-- Upgrade: every problem record in an incident document becomes a row, linked to its
-- incident, so that nothing handed to problem management before is lost. The
-- documents' times are RFC 3339 text; julianday reads them (with the offset and the
-- fraction) and the arithmetic turns days into milliseconds since the epoch.
INSERT INTO problems (ref, owner, due, created_at)
SELECT json_extract(data, '$.problem.ref'),
       COALESCE(json_extract(data, '$.problem.owner'), ''),
       CAST(round((julianday(COALESCE(json_extract(data, '$.problem.due'), json_extract(data, '$.problem.created_at'))) - 2440587.5) * 86400000) AS INTEGER),
       CAST(round((julianday(COALESCE(json_extract(data, '$.problem.created_at'), json_extract(data, '$.problem.due'))) - 2440587.5) * 86400000) AS INTEGER)
FROM incidents
WHERE json_extract(data, '$.problem.ref') IS NOT NULL
ON CONFLICT (ref) DO NOTHING;

INSERT INTO problem_incidents (problem, incident)
SELECT json_extract(data, '$.problem.ref'), number
FROM incidents
WHERE json_extract(data, '$.problem.ref') IS NOT NULL
ON CONFLICT DO NOTHING;

-- The upgraded problems whose RCA is still ahead get the reminders a problem opened
-- today gets (a day before, and at the due time); those already overdue are not
-- escalated all at once by an upgrade. Global timers (incident 0), keyed by ref.
INSERT INTO timers (incident, key, due)
SELECT 0, 'problem:' || ref || ':remind', due - 86400000
FROM problems
WHERE due - 86400000 > CAST(strftime('%s', 'now') AS INTEGER) * 1000
ON CONFLICT (incident, key) DO NOTHING;

INSERT INTO timers (incident, key, due)
SELECT 0, 'problem:' || ref || ':overdue', due
FROM problems
WHERE due > CAST(strftime('%s', 'now') AS INTEGER) * 1000
ON CONFLICT (incident, key) DO NOTHING;

-- +goose Down

DELETE FROM timers WHERE incident = 0 AND (key LIKE 'problem:%' OR key LIKE 'action:%');
DROP TABLE actions;
DROP TABLE known_errors;
DROP TABLE problem_incidents;
DROP TABLE problems;
