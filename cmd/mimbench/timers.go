package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"mimbot/internal/config"
	"mimbot/mim"
	"mimbot/templates"
)

// timers declares n major incidents whose reminders fall due staggered over time, runs
// several replicas' engines on one database, and reports reminder lateness, fires per
// second, duplicates and the CPU used while nothing is due.
func timers(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("timers", flag.ExitOnError)
	n := fs.Int("n", 10000, "active incidents")
	replicas := fs.Int("replicas", 2, "engines (each with its own connection pool) on one database")
	cadence := fs.Duration("cadence", 60*time.Second, "update_every of the incidents")
	run := fs.Duration("run", 90*time.Second, "how long the engines run after seeding starts")
	idle := fs.Duration("idle", 10*time.Second, "idle window measured before the first reminder")
	kind := fs.String("db", "postgres", "postgres or sqlite")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	fs.Parse(args)
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	db, err := newDatabase(ctx, *kind)
	if err != nil {
		return err
	}
	defer db.close()
	cfg := config.Demo()
	cfg.MaxConcurrent = math.MaxInt32
	cfg.Digest = nil
	for _, p := range []mim.Priority{mim.P0, mim.P1} {
		t := cfg.Policy.Targets[p]
		t.UpdateEvery, t.Respond, t.Resolve = *cadence, 24*time.Hour, 48*time.Hour
		cfg.Policy.Targets[p] = t
	}
	log := slog.New(slog.DiscardHandler)
	var svcs []*mim.Service
	var engines []*mim.Engine
	chat := &countingChat{}
	for i := 0; i < *replicas; i++ {
		st, err := db.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		s := mim.NewService(st, cfg, templates.Must(), nil, log, "bench")
		svcs = append(svcs, s)
		own := fmt.Sprintf("replica-%d", i)
		relay := &mim.Relay{Service: s, Chats: map[string]mim.Chat{"bench": chat}, Owner: own}
		engines = append(engines, &mim.Engine{Service: s, Relay: relay, Owner: own})
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, e := range engines {
		wg.Go(func() { e.Run(ctx) })
	}

	// Seed: declarations spread over the replicas and 16 workers.
	start := time.Now()
	var next atomic.Int64
	var seedErr error
	var seedMu sync.Mutex
	var sw sync.WaitGroup
	for w := 0; w < 16; w++ {
		sw.Go(func() {
			for {
				i := int(next.Add(1))
				if i > *n || ctx.Err() != nil {
					return
				}
				s := svcs[i%len(svcs)]
				if _, _, err := s.Declare(ctx, mim.DeclareInput{Title: fmt.Sprintf("Bench outage %d", i), Impact: mim.High, Urgency: mim.High, By: "sam", Platform: "bench"}); err != nil {
					seedMu.Lock()
					seedErr = err
					seedMu.Unlock()
					return
				}
			}
		})
	}
	sw.Wait()
	if seedErr != nil {
		return fmt.Errorf("seed: %w", seedErr)
	}
	seeded := time.Since(start)
	fmt.Printf("seeded %d incidents in %s (%.0f declares/s)\n", *n, seeded.Round(time.Millisecond), float64(*n)/seeded.Seconds())

	// Let the relay deliver what the declarations said (war rooms, announcements), at
	// most until the first reminder falls due.
	lead := min(*cadence/6, 5*time.Minute)
	firstDue := start.Add(*cadence - lead)
	for time.Now().Before(firstDue) {
		n, err := db.pending(ctx)
		if err != nil {
			return fmt.Errorf("count pending messages: %w", err)
		}
		if n == 0 {
			fmt.Printf("outbox drained after %s (%d messages)\n", time.Since(start).Round(time.Millisecond), chat.sent.Load())
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Idle: between then and the first reminder nothing is due.
	idleCPU, idleWall := 0.0, time.Duration(0)
	if window := time.Until(firstDue) - time.Second; window > time.Second {
		w := min(window, *idle)
		c0 := cpuSeconds()
		time.Sleep(w)
		idleCPU, idleWall = cpuSeconds()-c0, w
	} else {
		fmt.Printf("no idle window: seeding took longer than the first reminder's lead (raise -cadence)\n")
	}
	if rest := time.Until(start.Add(*run)); rest > 0 {
		time.Sleep(rest)
	}
	cancel()
	wg.Wait()

	// Read the timelines back: every reminder's lateness against when it was due.
	var late []time.Duration
	var fired []time.Time
	dups, reminders := 0, 0
	for i := 1; i <= *n; i++ {
		inc, err := svcs[0].Store.Incident(context.Background(), i)
		if err != nil {
			return fmt.Errorf("read incident %d: %w", i, err)
		}
		seen := map[int]int{}
		for _, e := range inc.Timeline {
			if e.Kind != mim.KindReminder {
				continue
			}
			reminders++
			fired = append(fired, e.At)
			since := e.At.Sub(inc.DeclaredAt) + lead
			k := int(math.Round(float64(since) / float64(*cadence)))
			seen[k]++
			if seen[k] > 1 {
				dups++
			}
			late = append(late, e.At.Sub(inc.DeclaredAt.Add(time.Duration(k)*(*cadence)-lead)))
			if os.Getenv("MIMBENCH_DEBUG") != "" && i < 4 {
				fmt.Printf("incident %d declared %s reminder %s k=%d\n", i, inc.DeclaredAt.Format("15:04:05.000"), e.At.Format("15:04:05.000"), k)
			}
		}
	}
	slices.Sort(late)
	pct := func(p float64) time.Duration {
		if len(late) == 0 {
			return 0
		}
		return late[min(len(late)-1, int(p*float64(len(late))))]
	}
	fmt.Printf("\n| figure | value |\n|---|---|\n")
	fmt.Printf("| database | %s, %d replicas |\n", *kind, *replicas)
	fmt.Printf("| active incidents | %d (cadence %s, reminder %s before due) |\n", *n, *cadence, lead)
	fmt.Printf("| reminders fired | %d |\n", reminders)
	fmt.Printf("| reminder lateness p50 / p99 / max | %s / %s / %s |\n", pct(0.5).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), pct(1).Round(time.Millisecond))
	fmt.Printf("| reminders per second: average over their span / busiest second | %s |\n", rates(fired))
	fmt.Printf("| duplicates | %d |\n", dups)
	fmt.Printf("| messages delivered | %d |\n", chat.sent.Load())
	if idleWall > 0 {
		fmt.Printf("| idle CPU (all replicas, one process) | %.3f s over %s = %.2f%% of one core |\n", idleCPU, idleWall, 100*idleCPU/idleWall.Seconds())
	}
	return nil
}

// cpuSeconds is the process's user+system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// rates is the average firing rate over the span of the firings and the most fired in
// any one second.
func rates(at []time.Time) string {
	if len(at) < 2 {
		return "-"
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	span := at[len(at)-1].Sub(at[0])
	busiest, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= time.Second {
			j++
		}
		busiest = max(busiest, i-j+1)
	}
	return fmt.Sprintf("%.0f / %d", float64(len(at))/span.Seconds(), busiest)
}
