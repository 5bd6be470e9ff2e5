package email_test

import (
	"fmt"
	"net/smtp"
	"testing"
)

// BenchmarkSession sends 100 mails, each a new incident, in one SMTP session against
// SQLite and reports incidents created per second: each is committed before its 250,
// so this is the rate one sending server gets.
func BenchmarkSession(b *testing.B) {
	const mails = 100
	f := newFixture(b)
	round := 0
	for b.Loop() {
		c, err := smtp.Dial(f.addr)
		if err != nil {
			b.Fatal(err)
		}
		for i := range mails {
			raw := plain(fmt.Sprintf("<bench-%d-%d@x>", round, i), fmt.Sprintf("Printer %d jams", i), "Every job since 9:00.")
			if err := deliver(c, "sam@example.com", "incidents@example.com", raw); err != nil {
				b.Fatal(err)
			}
		}
		if err := c.Quit(); err != nil {
			b.Fatal(err)
		}
		round++
	}
	b.ReportMetric(float64(mails*round)/b.Elapsed().Seconds(), "incidents/s")
	b.ReportMetric(0, "ns/op")
}
