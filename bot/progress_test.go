package bot

import (
	"testing"
	"time"

	"mimbot/mim/mimtest"
)

// Whichever comes first, the declare reply or the room being ready, the person ends
// with one answer that says both, once.
func TestProgress(t *testing.T) {
	t.Run("reply first", func(t *testing.T) {
		p := NewProgress[string](time.Minute, mimtest.NewClock(time.Time{}))
		p.Begin("k", "R")
		if _, _, ok := p.Shown("k", "Declared #1"); ok {
			t.Fatal("nothing to show before the room is ready")
		}
		r, text, ok := p.Ready("k", "War room ready")
		if !ok || r != "R" || text != "Declared #1\nWar room ready" {
			t.Errorf("Ready = %q %q %v", r, text, ok)
		}
		if _, _, ok := p.Ready("k", "again"); ok {
			t.Error("shown twice")
		}
	})
	t.Run("room first", func(t *testing.T) {
		p := NewProgress[string](time.Minute, mimtest.NewClock(time.Time{}))
		p.Begin("k", "R")
		if _, _, ok := p.Ready("k", "War room ready"); ok {
			t.Fatal("nothing to show before the reply is out")
		}
		if _, text, ok := p.Shown("k", "Declared #1"); !ok || text != "Declared #1\nWar room ready" {
			t.Errorf("Shown = %q %v", text, ok)
		}
	})
	t.Run("expired or dropped", func(t *testing.T) {
		clock := mimtest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
		p := NewProgress[string](time.Minute, clock)
		p.Begin("k", "R")
		p.Shown("k", "Declared #1")
		clock.Advance(time.Minute + time.Second)
		if _, _, ok := p.Ready("k", "War room ready"); ok {
			t.Error("an answer past its time was edited")
		}
		p.Begin("d", "R")
		p.Drop("d")
		if _, _, ok := p.Shown("d", "x"); ok {
			t.Error("a dropped declaration was followed")
		}
	})
}
