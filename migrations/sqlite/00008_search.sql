-- Similar incidents on declare. When an incident is declared, mimbot looks for known
-- errors and for incidents resolved or closed in the last 365 days whose text shares
-- words with the new one, so that the responders start from a workaround that worked
-- before. Scanning every incident document for words would read them all; these two
-- full-text indexes find the candidates, and the store ranks them in Go (known errors
-- first, then the number of query words matched, shared towers, most recent) so that
-- SQLite and PostgreSQL return the same results.
--
--  * search_incidents: one row per resolved or closed incident, rowid = its number.
--    The store writes the row in the transaction that saves the incident resolved or
--    closed (or edits what it indexes), and deletes it when the incident is reopened.
--  * search_known: one row per known error, rowid = its KE number, written in the
--    transaction that publishes it.
--
-- words is the indexed text: title, description, diagnosis, workaround and towers of
-- an incident; title, root cause and workaround of a known error, written by the store
-- lowercased with every run of characters other than letters and digits turned into a
-- space, so that this tokenizer and PostgreSQL's 'simple' parser see the same words.
-- unicode61 with remove_diacritics 0 keeps "é" apart from "e", as 'simple' does. The
-- other columns are UNINDEXED: what a result shows (title, workaround), what ranks it
-- (towers, space-separated; at, Unix milliseconds: resolved or closed, or published)
-- and, for an incident, took: milliseconds from declared to resolved.

-- +goose Up

CREATE VIRTUAL TABLE search_incidents USING fts5(
    words, title UNINDEXED, workaround UNINDEXED, towers UNINDEXED, at UNINDEXED, took UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 0'
);

CREATE VIRTUAL TABLE search_known USING fts5(
    words, title UNINDEXED, workaround UNINDEXED, towers UNINDEXED, at UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 0'
);

-- Backfill: the incidents already resolved or closed, from their documents. The
-- tokenizer splits on anything but letters and digits itself, so the raw text
-- indexes as the store's normalised text does.
INSERT INTO search_incidents (rowid, words, title, workaround, towers, at, took)
SELECT number,
       COALESCE(json_extract(data, '$.title'), '') || ' ' ||
       COALESCE(json_extract(data, '$.description'), '') || ' ' ||
       COALESCE(json_extract(data, '$.diagnosis'), '') || ' ' ||
       COALESCE(json_extract(data, '$.workaround'), '') || ' ' ||
       COALESCE((SELECT group_concat(value, ' ') FROM json_each(data, '$.towers')), ''),
       COALESCE(json_extract(data, '$.title'), ''),
       COALESCE(json_extract(data, '$.workaround'), ''),
       COALESCE((SELECT group_concat(value, ' ') FROM json_each(data, '$.towers')), ''),
       COALESCE(resolved_at, closed_at),
       COALESCE(resolved_at, closed_at) - declared_at
FROM incidents
WHERE state IN ('resolved', 'closed') AND COALESCE(resolved_at, closed_at) IS NOT NULL;

-- The known errors published before, with the towers of the incidents their problem
-- links.
INSERT INTO search_known (rowid, words, title, workaround, towers, at)
SELECT k.number,
       k.title || ' ' || k.root_cause || ' ' || k.workaround,
       k.title,
       k.workaround,
       COALESCE((SELECT group_concat(tower, ' ') FROM (
           SELECT DISTINCT t.value AS tower
           FROM problem_incidents pi
           JOIN incidents i ON i.number = pi.incident, json_each(i.data, '$.towers') t
           WHERE pi.problem = k.problem
           ORDER BY t.value)), ''),
       k.published_at
FROM known_errors k;

-- +goose Down

DROP TABLE search_known;
DROP TABLE search_incidents;
