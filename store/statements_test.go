package store

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"

	"mimbot/internal/config"
	"mimbot/internal/pgtest"
	"mimbot/mim"
	"mimbot/templates"
)

// roomChat is a chat platform that opens every room at once and records what it
// was sent.
type roomChat struct {
	mu   sync.Mutex
	sent []mim.Delivery
}

func (c *roomChat) OpenRoom(ctx context.Context, req mim.RoomRequest) (mim.WarRoom, error) {
	if req.Existing != nil {
		return *req.Existing, nil
	}
	return mim.WarRoom{Platform: "bench", ID: "C-" + req.Name, Name: req.Name}, nil
}

func (c *roomChat) Send(_ context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, d)
	return nil, nil
}

// TestStatements counts what reaches the database for a major P0 declaration
// through mim.Service with the demo configuration, and for each message the relay
// delivers, on both dialects. A change that adds a statement to either path fails
// here and says which.
func TestStatements(t *testing.T) {
	tests := []struct {
		name string
		open func(t *testing.T) (*DB, *counter)
		// declare is what one declaration may take: statements and transactions.
		declare, declareTx int
	}{
		{"sqlite", func(t *testing.T) (*DB, *counter) {
			path := filepath.Join(t.TempDir(), "mimbot.db")
			if err := MigrateSQLite(t.Context(), path); err != nil {
				t.Fatal(err)
			}
			return openCounted(dsnConnector{dsn: path + "?" + sqliteParams, d: &sqlite.Driver{}}, sqliteDialect())
		}, 6, 1},
		{"postgres", func(t *testing.T) (*DB, *counter) {
			url := pgtest.DB(t)
			if err := MigratePostgres(t.Context(), url); err != nil {
				t.Fatal(err)
			}
			cfg, err := postgresConfig(url)
			if err != nil {
				t.Fatal(err)
			}
			return openCounted(stdlib.GetConnector(*cfg.ConnConfig), postgresDialect())
		}, 7, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, c := tt.open(t)
			t.Cleanup(func() { db.Close() })
			ctx := t.Context()
			svc := mim.NewService(db, config.Demo(), templates.Must(), nil, nil, "bench")
			chat := &roomChat{}
			relay := &mim.Relay{Service: svc, Chats: map[string]mim.Chat{"bench": chat}, Owner: "w", InFlight: 1}
			c.take()

			inc, _, err := svc.Declare(ctx, mim.DeclareInput{
				Title: "Payments down", Impact: mim.High, Urgency: mim.High,
				Towers: []string{"application", "database"}, By: "alice", Platform: "bench",
			})
			if err != nil {
				t.Fatal(err)
			}
			if inc.Priority != mim.P0 || !inc.Major {
				t.Fatalf("declared %s, major %v; want a major P0", inc.Priority, inc.Major)
			}
			events := c.take()
			stmts, txs := count(events)
			t.Logf("declare: %d statements in %d transaction(s), %d round trips", stmts, txs, len(events))
			if stmts > tt.declare || txs > tt.declareTx {
				t.Errorf("declare took %d statements in %d transactions, want at most %d in %d:\n%s", stmts, txs, tt.declare, tt.declareTx, strings.Join(events, "\n"))
			}
			wantNoTimelineRead(t, "declare", events)

			// The declaration's messages: opening the room records it (an update of
			// the incident), the rest are plain deliveries.
			if _, err := relay.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			c.take()
			// Three posts in one queue, delivered one at a time.
			_, err = db.UpdateIncident(ctx, inc.Number, func(_ *mim.Incident, ch *mim.Change) error {
				for _, text := range []string{"one", "two", "three"} {
					ch.Messages = append(ch.Messages, mim.Outgoing{Platform: "bench", To: mim.ToWarRoom, Kind: mim.KindUpdate, Text: text})
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			c.take()
			chat.sent = nil
			n, err := relay.Drain(ctx)
			if err != nil || n != 3 {
				t.Fatalf("Drain = %d, %v; want 3 delivered", n, err)
			}
			for _, d := range chat.sent {
				if d.Incident == nil || d.Incident.Number != inc.Number || d.Room == nil || d.Incident.Timeline != nil {
					t.Errorf("%q delivered with incident %v and room %v, want #%d without its timeline, in its room", d.Message.Text, d.Incident, d.Room, inc.Number)
				}
			}
			events = c.take()
			// Each delivery is one claim and one done; the drain ends on a claim that
			// finds nothing.
			stmts, txs = count(events)
			perMessage := float64(len(events)-1) / float64(n)
			t.Logf("delivery: %d round trips for %d messages (%.1f per message, and one empty claim ending the drain)", len(events), n, perMessage)
			if txs != 0 || stmts != 2*n+1 {
				t.Errorf("delivering %d messages took %d statements in %d transactions, want %d in none:\n%s", n, stmts, txs, 2*n+1, strings.Join(events, "\n"))
			}
			wantNoTimelineRead(t, "delivery", events)
		})
	}
}

// count tells the statements and transactions among events.
func count(events []string) (stmts, txs int) {
	for _, e := range events {
		switch e {
		case "BEGIN":
			txs++
		case "COMMIT", "ROLLBACK":
		default:
			stmts++
		}
	}
	return stmts, txs
}

// wantNoTimelineRead fails the test when a statement of events reads the timeline.
func wantNoTimelineRead(t *testing.T, what string, events []string) {
	t.Helper()
	for _, e := range events {
		if strings.Contains(e, "FROM timeline") {
			t.Errorf("%s read the timeline: %s", what, e)
		}
	}
}
