-- The first schema of mimbot's store in PostgreSQL: the same tables, columns,
-- constraints and meaning as migrations/sqlite/00001_init.sql, so that both backends
-- pass store/storetest. Read that file first; this one says only where PostgreSQL
-- differs and why.
--
-- Conventions:
--  * Times are timestamptz(3): PostgreSQL compares and orders them itself (due <= now)
--    and they read as times in a plain SELECT. The store truncates every time to the
--    millisecond before writing it (store.Truncate), so the column's precision, which
--    would round, never changes a value. NULL means "not (yet)", a zero time.Time.
--  * Numbers and ids come from identity columns: several replicas insert at once, and
--    a sequence hands each a value without a lock. A transaction that rolls back
--    leaves its value unused.
--  * JSON is jsonb: PostgreSQL validates it (SQLite needs json_valid) and operators
--    can query it (data->>'incident_manager'). The store reads it back with
--    encoding/json, so the key order jsonb chooses does not matter.
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
    -- The number people say ("#12"). The creating transaction takes it from the
    -- identity's sequence before it builds the incident (the war room's name has the
    -- number in it), and inserts it with OVERRIDING SYSTEM VALUE; GENERATED ALWAYS
    -- keeps anything else from inventing numbers the sequence would hand out again.
    number      integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The chat request that declared the incident: a platform retrying the same
    -- slash command finds this incident instead of declaring a second one; two
    -- replicas handling the same request at once collide here, and the loser returns
    -- the winner's incident. NULL when there was no such request (UNIQUE lets any
    -- number of NULLs through). The constraint is named: the store recognises it.
    request_key text CONSTRAINT incidents_request_key UNIQUE,
    -- mim.State; lists filter open incidents on it.
    state       text        NOT NULL,
    -- "P0".."P4", readable in a plain SELECT; lists show it.
    priority    text        NOT NULL CHECK (priority IN ('P0', 'P1', 'P2', 'P3', 'P4')),
    -- True when the major-incident procedure runs; lists filter on it.
    major       boolean     NOT NULL,
    declared_at timestamptz(3) NOT NULL,
    resolved_at timestamptz(3),
    closed_at   timestamptz(3),
    -- A copy of data's incident manager, so that choosing a neutral IM can count the
    -- open major incidents each one holds without decoding every document.
    incident_manager text   NOT NULL DEFAULT '',
    data        jsonb       NOT NULL
);

-- Listing the open incidents (list, the digest, the status page) reads only them,
-- newest first, however many closed incidents the table holds.
CREATE INDEX incidents_open ON incidents (number) WHERE state NOT IN ('resolved', 'closed', 'cancelled');
CREATE INDEX incidents_open_by_im ON incidents (incident_manager) WHERE major AND state NOT IN ('resolved', 'closed', 'cancelled');

-- The timeline of every incident. It is a table and not part of incidents.data
-- because it only grows: appending a row costs the same on the first and the
-- thousandth entry, and listing incidents reads no timeline at all.
CREATE TABLE timeline (
    -- Insertion order: it orders entries that share the same millisecond. Entries of
    -- one incident are written under its row lock, so their ids follow commit order.
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident integer     NOT NULL REFERENCES incidents (number),
    at       timestamptz(3) NOT NULL,
    kind     text        NOT NULL,
    -- A person key, or "mimbot" for what the bot did by itself.
    actor    text        NOT NULL,
    text     text        NOT NULL
);
-- An incident's timeline is always read whole, in (at, id) order.
CREATE INDEX timeline_incident ON timeline (incident, at, id);

-- Work due at a time (reminders, escalations, SLA warnings, page timeouts, the
-- digest). It lives here rather than in a process's memory so that it survives
-- restarts and several replicas can share it: a worker leases a due timer (UPDATE
-- ... FOR UPDATE SKIP LOCKED, so that claimers never wait for each other), does the
-- work and marks it done in the same transaction as the work's effects.
CREATE TABLE timers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- 0: a global timer (the digest).
    incident    integer     NOT NULL,
    -- What the timer is for (mim.TimerReminder...). One row per (incident, key):
    -- scheduling the key again moves this row instead of adding a second timer.
    key         text        NOT NULL,
    due         timestamptz(3) NOT NULL,
    -- Bumped whenever the timer is moved or re-armed. Completing a timer checks
    -- the version it was claimed with, so a worker whose timer was moved meanwhile
    -- fails (mim.ErrStale) instead of firing it early.
    version     bigint      NOT NULL DEFAULT 1,
    -- Who holds the timer, and until when. After lease_until another worker may
    -- claim it: the holder is presumed dead.
    lease_owner text,
    lease_until timestamptz(3),
    -- When the timer fired or was cancelled; NULL while it is pending.
    done_at     timestamptz(3),
    UNIQUE (incident, key)
);
-- Claiming and NextDue look for the earliest pending timers only.
CREATE INDEX timers_pending ON timers (due, id) WHERE done_at IS NULL;

-- Which incident a chat channel belongs to: commands typed in a war room act on its
-- incident. The rooms themselves (names, set-up progress) are in incidents.data; this
-- index exists to find an incident by room and to let the database refuse what must
-- never happen: one channel serving two incidents, or one incident getting two rooms
-- on the same platform.
CREATE TABLE war_rooms (
    platform text    NOT NULL,
    room_id  text    NOT NULL,
    incident integer NOT NULL REFERENCES incidents (number),
    -- Named: the store turns a collision on it into "already the war room of
    -- another incident".
    CONSTRAINT war_rooms_room PRIMARY KEY (platform, room_id),
    UNIQUE (incident, platform)
);

-- Messages to send, queued in the same transaction as the change that decided them,
-- so that a crash between deciding and saying loses nothing. Each (platform,
-- incident, queue) is a FIFO queue: a message is handed out only when every earlier
-- message of its queue is done, so a war room never sees an update before its own
-- opening, while direct messages and stakeholder posts do not wait behind it.
CREATE TABLE outbox (
    -- Order within a queue. Writers of one incident's messages hold a lock until they
    -- commit (the incident's row, and an advisory lock for the queues of incident 0),
    -- so a message never becomes visible after a later one of its queue.
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform    text        NOT NULL,
    -- 0: about no single incident (the digest).
    incident    integer     NOT NULL,
    -- mim.Outgoing.Queue(): "room" (opening, posts, card), "stakeholders", "dm:<person>".
    queue       text        NOT NULL DEFAULT '',
    -- mim.Audience: war_room, stakeholders, person, open_room, card.
    audience    text        NOT NULL,
    -- The person key of a direct message; '' otherwise.
    person      text        NOT NULL DEFAULT '',
    -- The timeline kind the message is about; adapters may style by it.
    kind        text        NOT NULL DEFAULT '',
    text        text        NOT NULL DEFAULT '',
    -- JSON array of button names (mim.ButtonAck...).
    buttons     jsonb       NOT NULL DEFAULT '[]',
    -- How many times the message was handed out, this time included.
    attempts    integer     NOT NULL DEFAULT 0,
    created_at  timestamptz(3) NOT NULL,
    -- NULL: deliver as soon as the queue reaches it. A retry sets it (Retry-After,
    -- back-off) and the message, with its queue behind it, waits until then.
    next_at     timestamptz(3),
    lease_owner text,
    lease_until timestamptz(3),
    -- When it was delivered or given up on; NULL while it still has to go out.
    done_at     timestamptz(3),
    -- Why the last attempt failed; '' for a delivered message.
    failure     text        NOT NULL DEFAULT ''
);
-- Claiming looks for the oldest undone message of each queue.
CREATE INDEX outbox_pending ON outbox (platform, incident, queue, id) WHERE done_at IS NULL;

-- Incident models saved from past incidents (`model save`), beside the ones of the
-- configuration: `declare model=<name>` seeds a new incident with their towers,
-- impact, urgency and tasks. Saving a name again replaces the model.
CREATE TABLE models (
    name    text PRIMARY KEY,
    impact  text  NOT NULL,
    urgency text  NOT NULL,
    -- JSON arrays of strings: tower names, and task texts in checklist order.
    towers  jsonb NOT NULL DEFAULT '[]',
    tasks   jsonb NOT NULL DEFAULT '[]'
);

-- +goose Down

DROP TABLE models;
DROP TABLE outbox;
DROP TABLE war_rooms;
DROP TABLE timers;
DROP TABLE timeline;
DROP TABLE incidents;
