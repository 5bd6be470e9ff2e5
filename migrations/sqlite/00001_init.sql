-- The first schema of mimbot's store: incidents with their timelines, the timers that
-- drive everything due later, the index of war rooms, the outbox of chat messages,
-- and the incident models saved from past incidents.
--
-- Conventions (the PostgreSQL schema is to follow them, with its own types where
-- it has better ones, such as timestamptz held to milliseconds):
--  * Times are INTEGER milliseconds since the Unix epoch, UTC, so that SQL itself
--    compares and orders them (due <= now) and no text format is parsed; NULL means
--    "not (yet)", a zero time.Time in Go. The store keeps millisecond precision.
--  * incident = 0 in timers and outbox means "about no single incident" (the
--    stakeholder digest); that is why those two tables have no foreign key.
--  * Rows of timers and outbox are marked done (done_at), never deleted, so that an
--    operator can see what fired and what was said, and when.

-- +goose Up

-- One row per incident. The aggregate (people, pages, tasks, rooms, the other clocks)
-- is the JSON document in data, written by package store with field names of its own
-- so that renaming a Go field cannot break stored incidents. The fields SQL has to
-- filter, sort or keep unique are columns instead, and only columns: data does not
-- repeat them, so the two cannot disagree.
CREATE TABLE incidents (
    -- The number people say ("#12"): the creating transaction takes max + 1.
    number      INTEGER PRIMARY KEY,
    -- The chat request that declared the incident: a platform retrying the same
    -- slash command finds this incident instead of declaring a second one. NULL
    -- when there was no such request (UNIQUE lets any number of NULLs through).
    request_key TEXT UNIQUE,
    -- mim.State; lists filter open incidents on it.
    state       TEXT    NOT NULL,
    -- "P0".."P4", readable in a plain SELECT; lists show it.
    priority    TEXT    NOT NULL CHECK (priority IN ('P0', 'P1', 'P2', 'P3', 'P4')),
    -- 1 when the major-incident procedure runs; lists filter on it.
    major       INTEGER NOT NULL CHECK (major IN (0, 1)),
    declared_at INTEGER NOT NULL,
    resolved_at INTEGER,
    closed_at   INTEGER,
    -- A copy of data's incident manager, so that choosing a neutral IM can count the
    -- open major incidents each one holds without decoding every document.
    incident_manager TEXT NOT NULL DEFAULT '',
    data        TEXT    NOT NULL CHECK (json_valid(data))
);

-- Listing the open incidents (list, the digest, the status page) reads only them,
-- newest first, however many closed incidents the table holds.
CREATE INDEX incidents_open ON incidents (number) WHERE state NOT IN ('resolved', 'closed', 'cancelled');
CREATE INDEX incidents_open_by_im ON incidents (incident_manager) WHERE major = 1 AND state NOT IN ('resolved', 'closed', 'cancelled');

-- The timeline of every incident. It is a table and not part of incidents.data
-- because it only grows: appending a row costs the same on the first and the
-- thousandth entry, and listing incidents reads no timeline at all.
CREATE TABLE timeline (
    -- Insertion order: it orders entries that share the same millisecond.
    id       INTEGER PRIMARY KEY,
    incident INTEGER NOT NULL REFERENCES incidents (number),
    at       INTEGER NOT NULL,
    kind     TEXT    NOT NULL,
    -- A person key, or "mimbot" for what the bot did by itself.
    actor    TEXT    NOT NULL,
    text     TEXT    NOT NULL
);
-- An incident's timeline is always read whole, in (at, id) order.
CREATE INDEX timeline_incident ON timeline (incident, at, id);

-- Work due at a time (reminders, escalations, SLA warnings, page timeouts, the
-- digest). It lives here rather than in a process's memory so that it survives
-- restarts and several replicas can share it: a worker leases a due timer, does the
-- work and marks it done in the same transaction as the work's effects.
CREATE TABLE timers (
    id          INTEGER PRIMARY KEY,
    -- 0: a global timer (the digest).
    incident    INTEGER NOT NULL,
    -- What the timer is for (mim.TimerReminder...). One row per (incident, key):
    -- scheduling the key again moves this row instead of adding a second timer.
    key         TEXT    NOT NULL,
    due         INTEGER NOT NULL,
    -- Bumped whenever the timer is moved or re-armed. Completing a timer checks
    -- the version it was claimed with, so a worker whose timer was moved meanwhile
    -- fails (mim.ErrStale) instead of firing it early.
    version     INTEGER NOT NULL DEFAULT 1,
    -- Who holds the timer, and until when. After lease_until another worker may
    -- claim it: the holder is presumed dead.
    lease_owner TEXT,
    lease_until INTEGER,
    -- When the timer fired or was cancelled; NULL while it is pending.
    done_at     INTEGER,
    UNIQUE (incident, key)
);
-- Claiming and NextDue look for the earliest pending timers only.
CREATE INDEX timers_pending ON timers (due) WHERE done_at IS NULL;

-- Which incident a chat channel belongs to: commands typed in a war room act on its
-- incident. The rooms themselves (names, set-up progress) are in incidents.data; this
-- index exists to find an incident by room and to let the database refuse what must
-- never happen: one channel serving two incidents, or one incident getting two rooms
-- on the same platform.
CREATE TABLE war_rooms (
    platform TEXT    NOT NULL,
    room_id  TEXT    NOT NULL,
    incident INTEGER NOT NULL REFERENCES incidents (number),
    PRIMARY KEY (platform, room_id),
    UNIQUE (incident, platform)
);

-- Messages to send, queued in the same transaction as the change that decided them,
-- so that a crash between deciding and saying loses nothing. Each (platform,
-- incident, queue) is a FIFO queue: a message is handed out only when every earlier
-- message of its queue is done, so a war room never sees an update before its own
-- opening, while direct messages and stakeholder posts do not wait behind it.
CREATE TABLE outbox (
    -- Order within a queue.
    id          INTEGER PRIMARY KEY,
    platform    TEXT    NOT NULL,
    -- 0: about no single incident (the digest).
    incident    INTEGER NOT NULL,
    -- mim.Outgoing.Queue(): "room" (opening, posts, card), "stakeholders", "dm:<person>".
    queue       TEXT    NOT NULL DEFAULT '',
    -- mim.Audience: war_room, stakeholders, person, open_room, card.
    audience    TEXT    NOT NULL,
    -- The person key of a direct message; '' otherwise.
    person      TEXT    NOT NULL DEFAULT '',
    -- The timeline kind the message is about; adapters may style by it.
    kind        TEXT    NOT NULL DEFAULT '',
    text        TEXT    NOT NULL DEFAULT '',
    -- JSON array of button names (mim.ButtonAck...).
    buttons     TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(buttons)),
    -- How many times the message was handed out, this time included.
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    -- NULL: deliver as soon as the queue reaches it. A retry sets it (Retry-After,
    -- back-off) and the message, with its queue behind it, waits until then.
    next_at     INTEGER,
    lease_owner TEXT,
    lease_until INTEGER,
    -- When it was delivered or given up on; NULL while it still has to go out.
    done_at     INTEGER,
    -- Why the last attempt failed; '' for a delivered message.
    failure     TEXT    NOT NULL DEFAULT ''
);
-- Claiming looks for the oldest undone message of each queue.
CREATE INDEX outbox_pending ON outbox (platform, incident, queue, id) WHERE done_at IS NULL;

-- Incident models saved from past incidents (`model save`), beside the ones of the
-- configuration: `declare model=<name>` seeds a new incident with their towers,
-- impact, urgency and tasks. Saving a name again replaces the model.
CREATE TABLE models (
    name    TEXT PRIMARY KEY,
    impact  TEXT NOT NULL,
    urgency TEXT NOT NULL,
    -- JSON arrays of strings: tower names, and task texts in checklist order.
    towers  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(towers)),
    tasks   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tasks))
);

-- +goose Down

DROP TABLE models;
DROP TABLE outbox;
DROP TABLE war_rooms;
DROP TABLE timers;
DROP TABLE timeline;
DROP TABLE incidents;
