package store

import (
	"context"
	"database/sql"
	"fmt"
)

// ReleaseLeases drops the leases owner holds on pending timers and undelivered
// messages, in one transaction, and says how many of each. A replica that stops
// cleanly calls it last: what it claimed and did not finish is claimable by the
// others at once, rather than when the leases run out (30 s by default). A done
// timer keeps its lease columns (they show who fired it); a released message keeps
// its attempt count and its next_at, so a retry it was waiting for still waits.
func (db *DB) ReleaseLeases(ctx context.Context, owner string) (timers, messages int, err error) {
	err = db.write(ctx, func(tx *sql.Tx) error {
		if timers, err = db.release(ctx, tx, "timers", owner); err != nil {
			return err
		}
		messages, err = db.release(ctx, tx, "outbox", owner)
		return err
	})
	if err != nil {
		return 0, 0, db.fail(fmt.Sprintf("release leases of %s", owner), err)
	}
	return timers, messages, nil
}

// release drops owner's leases on the rows of table (timers or outbox) not done yet.
func (db *DB) release(ctx context.Context, tx *sql.Tx, table, owner string) (int, error) {
	res, err := db.exec(ctx, tx, `
		UPDATE `+table+` SET lease_owner = NULL, lease_until = NULL
		WHERE lease_owner = ? AND done_at IS NULL`, owner)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", table, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", table, err)
	}
	return int(n), nil
}
