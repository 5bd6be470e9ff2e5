-- The service desk's queue: every open incident, ordered by priority, then by when
-- its resolve SLA runs out, then by number (never first come, first served), and
-- filtered by who owns it. Like incident_manager, owner and resolve_due are copies of
-- data's fields that SQL sorts and filters on. Incidents stored before this migration
-- have no resolve_due (it was not kept): they sort after those that have one within
-- their priority, until their next change writes it.

-- +goose Up
ALTER TABLE incidents ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN resolve_due INTEGER;
UPDATE incidents SET owner = COALESCE(json_extract(data, '$.owner'), '');
-- The queue reads only open incidents, in its order, however many are closed.
CREATE INDEX incidents_queue ON incidents (priority, resolve_due, number) WHERE state NOT IN ('resolved', 'closed', 'cancelled');

-- +goose Down
DROP INDEX incidents_queue;
ALTER TABLE incidents DROP COLUMN resolve_due;
ALTER TABLE incidents DROP COLUMN owner;
