// Command mimbench measures mimbot under load against its own fakes and databases.
//
//	mimbench timers [-n 10000] [-replicas 2] [-cadence 60s] [-run 90s] [-db postgres|sqlite]
//	mimbench list [-closed 100000] [-db postgres|sqlite]
//	mimbench queue [-open 10000] [-closed 100000] [-db postgres|sqlite]
//	mimbench report [-n 100000] [-db postgres|sqlite]
//	mimbench slack [-latency 100ms]
//	mimbench discord [-latency 100ms]
//	mimbench teams [-latency 100ms]
//	mimbench replicas [-n 50] [-cadence 2s] [-run 1m] [-kill 20s]
//
// Figures are printed as a table; BENCHMARKS.md keeps the ones of record with the
// command that produced them. MIMBENCH_CPUPROFILE=file writes a CPU profile of the run
// (go tool pprof file).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mimbench timers|list|queue|report|slack|discord|teams|replicas|similar [flags]  (-h for flags)")
		os.Exit(2)
	}
	if path := os.Getenv("MIMBENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mimbench:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "mimbench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	var err error
	switch os.Args[1] {
	case "timers":
		err = timers(ctx, os.Args[2:])
	case "list":
		err = list(ctx, os.Args[2:])
	case "queue":
		err = queue(ctx, os.Args[2:])
	case "report":
		err = report(ctx, os.Args[2:])
	case "slack":
		err = slackBenchmarks(ctx, os.Args[2:])
	case "discord":
		err = discordBenchmarks(ctx, os.Args[2:])
	case "teams":
		err = teamsBenchmarks(ctx, os.Args[2:])
	case "replicas":
		err = replicas(ctx, os.Args[2:])
	case "similar":
		err = similar(ctx, os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "mimbench: unknown benchmark %q (timers, list, queue, report, slack, discord, teams, replicas, similar)\n", os.Args[1])
		os.Exit(2)
	}
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "mimbench:", err)
		os.Exit(1)
	}
}
