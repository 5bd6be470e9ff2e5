package store

import "testing"

func TestRebind(t *testing.T) {
	tests := []struct {
		name, query, sqlite, postgres string
	}{
		{"none", `SELECT 1`, `SELECT 1`, `SELECT 1`},
		{"in order", `UPDATE t SET a = ? WHERE b = ? AND c < ?`, `UPDATE t SET a = ? WHERE b = ? AND c < ?`, `UPDATE t SET a = $1 WHERE b = $2 AND c < $3`},
		{"quoted ? stays", `SELECT '?', x FROM t WHERE y = ?`, `SELECT '?', x FROM t WHERE y = ?`, `SELECT '?', x FROM t WHERE y = $1`},
		{"escaped quote", `SELECT 'it''s ?' WHERE a = ?`, `SELECT 'it''s ?' WHERE a = ?`, `SELECT 'it''s ?' WHERE a = $1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sqliteDialect().q(tt.query); got != tt.sqlite {
				t.Errorf("sqlite: %q, want %q", got, tt.sqlite)
			}
			if got := postgresDialect().q(tt.query); got != tt.postgres {
				t.Errorf("postgres: %q, want %q", got, tt.postgres)
			}
		})
	}
}
