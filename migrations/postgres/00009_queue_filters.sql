-- The queue's filters by tower and by person. `queue tower=X` read each open
-- incident's document to find its towers, and `queue mine` each open incident's row:
-- with thousands open that was most of the queue's time. towers is a copy of data's
-- towers that SQL filters on, separated by spaces as in search_incidents
-- ("application database"), empty when there are none; the two partial indexes find an owner's or an incident
-- manager's open incidents without reading the others.

-- +goose Up
ALTER TABLE incidents ADD COLUMN towers text NOT NULL DEFAULT '';
UPDATE incidents SET towers = COALESCE((SELECT string_agg(t, ' ') FROM jsonb_array_elements_text(COALESCE(data->'towers', '[]'::jsonb)) t), '');
CREATE INDEX incidents_open_owner ON incidents (owner) WHERE state NOT IN ('resolved', 'closed', 'cancelled');
CREATE INDEX incidents_open_im ON incidents (incident_manager) WHERE state NOT IN ('resolved', 'closed', 'cancelled');

-- +goose Down
DROP INDEX incidents_open_im;
DROP INDEX incidents_open_owner;
ALTER TABLE incidents DROP COLUMN towers;
