package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"mimbot/internal/config"
	"mimbot/mim"
	"mimbot/templates"
)

// replicas runs two `mimbot serve` processes on one PostgreSQL database with n
// incidents at a short cadence, SIGKILLs one of them mid-run, and reads the timelines
// back: every reminder once, and the survivor carrying on after the lease.
func replicas(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("replicas", flag.ExitOnError)
	n := fs.Int("n", 50, "incidents")
	cadence := fs.Duration("cadence", 2*time.Second, "update_every")
	run := fs.Duration("run", time.Minute, "how long the replicas run")
	killAt := fs.Duration("kill", 20*time.Second, "when one replica is SIGKILLed")
	lease := fs.Duration("lease", 30*time.Second, "MIMBOT_LEASE of both replicas")
	fs.Parse(args)

	db, err := newDatabase(ctx, "postgres")
	if err != nil {
		return err
	}
	defer db.close()
	dir, err := os.MkdirTemp("", "mimbench-replicas")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "mimbot")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/mimbot").CombinedOutput(); err != nil {
		return fmt.Errorf("build mimbot (run from the repository root): %v\n%s", err, out)
	}
	every := cadence.String()
	yaml := strings.NewReplacer("update_every: 15m", "update_every: "+every, "update_every: 30m", "update_every: "+every,
		"max_concurrent: 1 ", "max_concurrent: 1000 ").Replace(string(config.DemoYAML()))
	cfgPath := filepath.Join(dir, "mimbot.yaml")
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		return err
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return err
	}
	st, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := mim.NewService(st, cfg, templates.Must(), nil, nil) // declares only: no engine in this process
	for i := 0; i < *n; i++ {
		if _, _, err := svc.Declare(ctx, mim.DeclareInput{Title: fmt.Sprintf("Outage %d", i+1), Impact: mim.High, Urgency: mim.High, By: "sam"}); err != nil {
			return fmt.Errorf("declare: %w", err)
		}
	}
	start := time.Now()
	serve := func() (*exec.Cmd, error) {
		c := exec.Command(bin, "serve")
		c.Env = append(os.Environ(), "DATABASE_URL="+db.path, "MIMBOT_CONFIG="+cfgPath, "MIMBOT_ADDR=127.0.0.1:0", "MIMBOT_LEASE="+lease.String())
		return c, c.Start()
	}
	a, err := serve()
	if err != nil {
		return err
	}
	b, err := serve()
	if err != nil {
		a.Process.Kill()
		return err
	}
	time.Sleep(*killAt)
	killed := time.Now()
	a.Process.Kill()
	a.Wait()
	time.Sleep(*run - *killAt)
	stopped := time.Now()
	b.Process.Signal(syscall.SIGTERM)
	b.Wait()

	conn, err := pgx.Connect(ctx, db.path)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var overdue int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM timers WHERE done_at IS NULL AND due < $1`, stopped.Add(-*cadence)).Scan(&overdue); err != nil {
		return err
	}
	total, before, after, dups, expected := 0, 0, 0, 0, 0
	lead := min(*cadence/6, 5*time.Minute)
	var widest time.Duration
	for i := 1; i <= *n; i++ {
		inc, err := st.Incident(ctx, i)
		if err != nil {
			return err
		}
		// Reminder k falls due k cadences after the declaration, less the lead.
		expected += int((stopped.Sub(inc.DeclaredAt) + lead) / *cadence)
		slots := map[int64]int{}
		last := inc.DeclaredAt
		for _, e := range inc.Timeline {
			if e.Kind != mim.KindReminder {
				continue
			}
			total++
			slot := int64((e.At.Sub(inc.DeclaredAt) + *cadence/2) / *cadence)
			if slots[slot]++; slots[slot] > 1 {
				dups++
			}
			if e.At.Before(killed) {
				before++
			} else {
				after++
			}
			widest = max(widest, e.At.Sub(last))
			last = e.At
		}
		widest = max(widest, stopped.Sub(last))
	}
	fmt.Printf("\n## Two replicas, one SIGKILLed\n\n| figure | value |\n|---|---|\n")
	fmt.Printf("| incidents / cadence / run | %d / %s / %s (replica A SIGKILLed at %s, lease %s) |\n", *n, *cadence, stopped.Sub(start).Round(time.Second), killed.Sub(start).Round(time.Second), *lease)
	fmt.Printf("| reminders fired / falling due during the run | %d / %d |\n", total, expected)
	fmt.Printf("| reminders before / after the kill | %d / %d |\n| duplicates (two reminders for one update) | %d |\n", before, after, dups)
	fmt.Printf("| widest gap between an incident's reminders | %s |\n", widest.Round(100*time.Millisecond))
	fmt.Printf("| timers due before the end and never fired | %d |\n", overdue)
	if dups > 0 || overdue > 0 {
		return fmt.Errorf("%d duplicates, %d timers lost", dups, overdue)
	}
	return nil
}
