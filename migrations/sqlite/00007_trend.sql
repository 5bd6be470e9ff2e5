-- The trend report (mimbot report, /reports) reads a year of incidents at once: their
-- clocks, towers, pages and the tally of their status-update cadence. Those live in data, and data also holds the post-incident summary (Markdown
-- and SVG, kilobytes per incident): parsing a hundred thousand such documents to read
-- a few keys is most of a report's time. trend is a small copy of just those keys,
-- written by the store with data in the same statement (like incident_manager, owner
-- and resolve_due), with data's key names and format.
--
-- The cadence tally (data.updates: on_time, late, missed) is new. Incidents stored
-- before this migration get one from their timeline: every status update of a major
-- incident counts as on time and every "status update overdue" escalation as missed.
-- The timeline does not say whether an update came after its due time, so none of
-- them counts as late; from now on the service counts each slot as it ends.

-- +goose Up
ALTER TABLE incidents ADD COLUMN trend TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(trend));

UPDATE incidents
SET data = json_set(data, '$.updates', json_patch('{}', json_object(
        'on_time', (SELECT NULLIF(count(*), 0) FROM timeline t WHERE t.incident = incidents.number AND t.kind = 'update'),
        'missed', (SELECT NULLIF(count(*), 0) FROM timeline t WHERE t.incident = incidents.number AND t.kind = 'escalated' AND t.text LIKE '%status update overdue%'))))
WHERE major = 1 AND EXISTS (
    SELECT 1 FROM timeline t
    WHERE t.incident = incidents.number
      AND (t.kind = 'update' OR (t.kind = 'escalated' AND t.text LIKE '%status update overdue%')));

-- json_patch onto '{}' drops the keys whose value is null, as the store's encoder
-- leaves out what is empty.
UPDATE incidents SET trend = json_patch('{}', json_object(
    'towers', data -> '$.towers',
    'responded_at', data -> '$.responded_at',
    'pages', data -> '$.pages',
    'updates', data -> '$.updates'));

-- The report reads the incidents declared in a window, whatever their state. SQLite keeps a row's columns one after the other, and a
-- column added by ALTER TABLE comes after data: reaching trend means walking data's
-- overflow pages, kilobytes per incident. This index holds every column the report
-- reads (the number is the rowid, in every index), so that its queries read the
-- index alone and never the table (a covering index).
CREATE INDEX incidents_declared ON incidents (declared_at, priority, major, state, incident_manager, resolved_at, resolve_due, trend);

-- +goose Down
DROP INDEX incidents_declared;
ALTER TABLE incidents DROP COLUMN trend;
UPDATE incidents SET data = json_remove(data, '$.updates');
