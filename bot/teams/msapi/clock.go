package msapi

import (
	"context"
	"time"

	"mimbot/bot"
	"mimbot/mim"
)

// pollStep is how often a wait looks again at a clock that is not the wall clock: a
// test's clock moves when the test moves it, and the wait ends soon after.
const pollStep = 2 * time.Millisecond

// sleepUntil waits until clock reads until, or ctx ends, or its process stops. On
// the wall clock it sleeps once; on any other clock it looks again every pollStep.
func sleepUntil(ctx context.Context, clock mim.Clock, until time.Time) error {
	_, wall := clock.(mim.SystemClock)
	for {
		left := until.Sub(clock.Now())
		if left <= 0 {
			return ctx.Err()
		}
		if !wall {
			left = min(left, pollStep)
		}
		if err := bot.Sleep(ctx, left); err != nil {
			return err
		}
	}
}
