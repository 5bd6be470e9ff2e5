-- The trend report (mimbot report, /reports) reads a year of incidents at once: their
-- clocks, towers, pages and the tally of their status-update cadence. Those live in data, and data also holds the post-incident summary (Markdown
-- and SVG, kilobytes per incident), which PostgreSQL keeps compressed out of line:
-- reading one key of data decompresses the whole document, a hundred thousand times.
-- trend is a small copy of just those keys, written by the store with data in the
-- same statement (like incident_manager, owner and resolve_due), with data's key
-- names and format. See migrations/sqlite/00007_trend.sql for the same in SQLite.
--
-- The cadence tally (data.updates: on_time, late, missed) is new. Incidents stored
-- before this migration get one from their timeline: every status update of a major
-- incident counts as on time and every "status update overdue" escalation as missed.
-- The timeline does not say whether an update came after its due time, so none of
-- them counts as late; from now on the service counts each slot as it ends.

-- +goose Up
ALTER TABLE incidents ADD COLUMN trend jsonb NOT NULL DEFAULT '{}';

UPDATE incidents i
SET data = jsonb_set(i.data, '{updates}', jsonb_strip_nulls(jsonb_build_object(
        'on_time', NULLIF(t.on_time, 0),
        'missed', NULLIF(t.missed, 0))))
FROM (SELECT incident,
             count(*) FILTER (WHERE kind = 'update') AS on_time,
             count(*) FILTER (WHERE kind = 'escalated' AND text LIKE '%status update overdue%') AS missed
      FROM timeline
      GROUP BY incident) t
WHERE t.incident = i.number AND i.major AND (t.on_time > 0 OR t.missed > 0);

UPDATE incidents SET trend = jsonb_strip_nulls(jsonb_build_object(
    'towers', data->'towers',
    'responded_at', data->'responded_at',
    'pages', data->'pages',
    'updates', data->'updates'));

-- The report reads the incidents declared in a window, whatever their state.
CREATE INDEX incidents_declared ON incidents (declared_at);

-- +goose Down
DROP INDEX incidents_declared;
ALTER TABLE incidents DROP COLUMN trend;
UPDATE incidents SET data = data - 'updates';
