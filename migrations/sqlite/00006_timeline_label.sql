-- A timeline entry keeps as data what its text says in words, so that metrics and
-- reports never parse the text: the kind of an escalation (functional,
-- hierarchical), the clock of an SLA warning or breach (respond, resolve), the tower
-- of an acknowledged page, and how long that page waited. Entries written before
-- this migration, and the kinds that have no such detail, keep '' and 0.

-- +goose Up
ALTER TABLE timeline ADD COLUMN label TEXT NOT NULL DEFAULT '';
-- Milliseconds, as every time in this schema.
ALTER TABLE timeline ADD COLUMN took_ms INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE timeline DROP COLUMN took_ms;
ALTER TABLE timeline DROP COLUMN label;
