-- Similar incidents on declare. When an incident is declared, mimbot looks for known
-- errors and for incidents resolved or closed in the last 365 days whose text shares
-- words with the new one, so that the responders start from a workaround that worked
-- before. Scanning every incident document for words would read them all; these two
-- full-text indexes find the candidates, and the store ranks them in Go (known errors
-- first, then the number of query words matched, shared towers, most recent) so that
-- SQLite and PostgreSQL return the same results.
--
--  * search_incidents: one row per resolved or closed incident, keyed by its number.
--    The store writes the row in the transaction that saves the incident resolved or
--    closed (or edits what it indexes), and deletes it when the incident is reopened.
--  * search_known: one row per known error, keyed by its KE number, written in the
--    transaction that publishes it.
--
-- words is the indexed text: title, description, diagnosis, workaround and towers of
-- an incident; title, root cause and workaround of a known error, written by the store
-- lowercased with every run of characters other than letters and digits turned into a
-- space, so that the 'simple' parser (which would otherwise keep "db.example.com" or
-- "e-mail" as tokens of their own) and SQLite's unicode61 tokenizer see the same words.
-- 'simple' lowercases and neither stems nor drops stop words: the store drops those
-- from the query itself, identically for both dialects. terms is the tsvector of words,
-- generated, under a GIN index. The other columns are what a result shows (title,
-- workaround), what ranks it (towers, space-separated; at: resolved or closed, or
-- published) and, for an incident, took: milliseconds from declared to resolved.

-- +goose Up

CREATE TABLE search_incidents (
    number     integer        PRIMARY KEY REFERENCES incidents (number),
    words      text           NOT NULL,
    title      text           NOT NULL,
    workaround text           NOT NULL,
    towers     text           NOT NULL,
    at         timestamptz(3) NOT NULL,
    took       bigint         NOT NULL,
    terms      tsvector       GENERATED ALWAYS AS (to_tsvector('simple', words)) STORED
);
CREATE INDEX search_incidents_terms ON search_incidents USING GIN (terms);

CREATE TABLE search_known (
    number     integer        PRIMARY KEY REFERENCES known_errors (number),
    words      text           NOT NULL,
    title      text           NOT NULL,
    workaround text           NOT NULL,
    towers     text           NOT NULL,
    at         timestamptz(3) NOT NULL,
    terms      tsvector       GENERATED ALWAYS AS (to_tsvector('simple', words)) STORED
);
CREATE INDEX search_known_terms ON search_known USING GIN (terms);

-- Backfill: the incidents already resolved or closed, from their documents, with the
-- store's normalisation done by regexp_replace.
INSERT INTO search_incidents (number, words, title, workaround, towers, at, took)
SELECT number,
       regexp_replace(lower(concat_ws(' ', data->>'title', data->>'description', data->>'diagnosis', data->>'workaround',
           (SELECT string_agg(t, ' ') FROM jsonb_array_elements_text(COALESCE(data->'towers', '[]'::jsonb)) t))),
           '[^[:alnum:]]+', ' ', 'g'),
       COALESCE(data->>'title', ''),
       COALESCE(data->>'workaround', ''),
       COALESCE((SELECT string_agg(t, ' ') FROM jsonb_array_elements_text(COALESCE(data->'towers', '[]'::jsonb)) t), ''),
       COALESCE(resolved_at, closed_at),
       (extract(epoch FROM COALESCE(resolved_at, closed_at) - declared_at) * 1000)::bigint
FROM incidents
WHERE state IN ('resolved', 'closed') AND COALESCE(resolved_at, closed_at) IS NOT NULL;

-- The known errors published before, with the towers of the incidents their problem
-- links.
INSERT INTO search_known (number, words, title, workaround, towers, at)
SELECT k.number,
       regexp_replace(lower(concat_ws(' ', k.title, k.root_cause, k.workaround)), '[^[:alnum:]]+', ' ', 'g'),
       k.title,
       k.workaround,
       COALESCE((SELECT string_agg(tower, ' ' ORDER BY tower) FROM (
           SELECT DISTINCT t AS tower
           FROM problem_incidents pi
           JOIN incidents i ON i.number = pi.incident,
                jsonb_array_elements_text(COALESCE(i.data->'towers', '[]'::jsonb)) t
           WHERE pi.problem = k.problem) towers), ''),
       k.published_at
FROM known_errors k;

-- +goose Down

DROP TABLE search_known;
DROP TABLE search_incidents;
