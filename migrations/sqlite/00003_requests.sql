-- Requests already carried out. A chat platform may deliver one request twice (Slack
-- retries an event, a button is double-clicked, a proxy re-sends), and a command that
-- takes effect twice posts a status update twice. The change a request makes records
-- its key (the platform's identity of the request) in the same transaction; a second
-- delivery collides on the key and changes nothing. Declarations keep their own key,
-- incidents.request_key.

-- +goose Up
CREATE TABLE requests (
    key      TEXT    PRIMARY KEY,
    -- The incident the request changed, for an operator reading the table.
    incident INTEGER NOT NULL,
    at       INTEGER NOT NULL
);

-- +goose Down
DROP TABLE requests;
