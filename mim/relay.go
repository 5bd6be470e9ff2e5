package mim

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Relay delivers the outbox to the chat platforms: in order per (platform, incident),
// retried with backoff while a platform is unavailable, resumed after a crash.
type Relay struct {
	Service *Service
	Chats   map[string]Chat
	Pagers  map[string]Pager // where ToPager messages go, by platform
	// Hooks delivers outbound webhooks (platform WebhookPlatform); nil: this process leaves
	// them to one that has webhooks configured.
	Hooks Hook
	Owner string // this worker's name in leases
	// Lease is how long a claimed message is ours; default 30s. A process that dies
	// holding it delays its queue by that much; the message is then sent again.
	Lease time.Duration
	// InFlight bounds the messages delivered at once; default 64. The terminal chat
	// uses 1, so that a script's output comes in the order the messages were decided.
	InFlight int
	// Grace is how long the deliveries under way when Drain's context ends may go on:
	// a process told to stop finishes them and marks them done, rather than cutting
	// them off mid-call (the platform may have shown the message) to be sent again by
	// another. Nothing new is claimed meanwhile. Zero: they end with the context.
	Grace time.Duration
}

// maxAttempts is when the relay gives up on a message and records the failure. With
// the backoff below that is about an hour of trying.
const maxAttempts = 20

// MaxBackoff is the longest the relay waits before it tries a message again.
const MaxBackoff = 5 * time.Minute

// backoff grows from one second to MaxBackoff.
func backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 9)
	return min(d, MaxBackoff)
}

// maxInFlight bounds the messages one relay delivers at once.
const maxInFlight = 64

// Drain delivers every message that is due now, until none is left or ctx ends; it
// returns how many it delivered. Queues go out side by side: as soon as one delivery
// ends, the next head is claimed, so one slow queue (a rate-limited method) never holds
// up the others.
func (r *Relay) Drain(ctx context.Context) (int, error) {
	limit := r.InFlight
	if limit <= 0 {
		limit = maxInFlight
	}
	total, inflight := 0, 0
	done := make(chan bool, limit)
	dctx, stop := r.deliveries(ctx)
	defer stop()
	// wait takes one finished delivery, and any others that finished meanwhile, so
	// that each claim fills the free slots at once instead of one by one. New messages
	// (a write woke the relay) end the wait too: they need not queue behind a slow call.
	wait := func() {
		select {
		case ok := <-done:
			if ok {
				total++
			}
			inflight--
		case <-r.Service.wakeRelay:
		}
		for {
			select {
			case ok := <-done:
				if ok {
					total++
				}
				inflight--
			default:
				return
			}
		}
	}
	for ctx.Err() == nil {
		msgs, err := r.Service.Store.ClaimMessages(ctx, r.Service.Clock.Now(), r.lease(), r.Owner, r.platforms(), limit-inflight)
		if err != nil {
			for inflight > 0 {
				wait()
			}
			return total, fmt.Errorf("relay: claim: %w", err)
		}
		for _, m := range msgs {
			inflight++
			go func() { done <- r.deliver(dctx, m) }()
		}
		if inflight == 0 {
			return total, nil
		}
		wait() // a queue may have moved on, or a slot is free: claim again
	}
	for inflight > 0 {
		wait()
	}
	return total, ctx.Err()
}

// deliveries is the context Drain's deliveries run in: ctx, or with a Grace, a
// context that ends Grace after ctx does, and whose Stopping closes when ctx ends.
// stop ends it (Drain returns only once every delivery has ended).
func (r *Relay) deliveries(ctx context.Context) (dctx context.Context, stop func()) {
	if r.Grace <= 0 {
		return ctx, func() {}
	}
	dctx, cancel := context.WithCancel(WithStopping(context.WithoutCancel(ctx), ctx.Done()))
	after := context.AfterFunc(ctx, func() { time.AfterFunc(r.Grace, cancel) })
	return dctx, func() {
		after()
		cancel()
	}
}

// platforms are those this process delivers to: a message for another is left to a
// process that serves it.
func (r *Relay) platforms() []string {
	ps := slices.Collect(maps.Keys(r.Chats))
	for p := range r.Pagers {
		ps = append(ps, p)
	}
	if r.Hooks != nil {
		ps = append(ps, WebhookPlatform)
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

func (r *Relay) lease() time.Duration {
	if r.Lease > 0 {
		return r.Lease
	}
	return 30 * time.Second
}

// deliver sends one message and records the outcome; true when delivered.
func (r *Relay) deliver(ctx context.Context, d Delivery) bool {
	s := r.Service
	m := d.Message
	log := s.Log.With("platform", m.Platform, "incident", m.Incident, "message", m.ID)
	err := r.holding(ctx, m.ID, func(ctx context.Context) error { return r.send(ctx, d) })
	// The outcome is recorded even when ctx ended meanwhile (a shutdown): a message
	// left leased would hold up its queue until the lease ran out.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	switch {
	case err == nil:
		if err := s.Store.MessageDone(ctx, m.ID, ""); err != nil {
			log.Error("relay: mark delivered", "err", err)
		}
		return true
	case errors.Is(err, ErrStopping):
		log.Debug("relay: stopping: message back in the outbox", "err", err)
		if err := s.Store.MessageRetry(ctx, m.ID, time.Time{}, err.Error()); err != nil {
			log.Error("relay: release", "err", err)
		}
	case errors.Is(err, errNoRoomYet) && m.Attempts < maxAttempts:
		_ = s.Store.MessageRetry(ctx, m.ID, s.Clock.Now().Add(time.Second), err.Error())
	case ErrorCode(err) == EINVALID || m.Attempts >= maxAttempts:
		log.Error("relay: giving up on message", "attempts", m.Attempts, "err", err)
		if derr := s.Store.MessageDone(ctx, m.ID, err.Error()); derr != nil {
			log.Error("relay: mark failed", "err", derr)
		} else {
			if s.Observer != nil {
				s.Observer.GaveUp(m, err)
			}
			r.noteUndelivered(ctx, m, err)
		}
	default:
		log.Warn("relay: will retry", "attempts", m.Attempts, "err", err)
		if err := s.Store.MessageRetry(ctx, m.ID, s.Clock.Now().Add(backoff(m.Attempts)), err.Error()); err != nil {
			log.Error("relay: release", "err", err)
		}
	}
	return false
}

// holding runs send while keeping message id leased: every third of the lease the
// lease is extended, so that a delivery slower than the lease (a platform answering
// slowly, a long Retry-After) is not claimed and sent a second time meanwhile. When
// the lease is lost anyway (the database was away for longer than the lease), the
// delivery goes on: stopping it midway would not make it undone.
func (r *Relay) holding(ctx context.Context, id int64, send func(context.Context) error) error {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		lease := r.lease()
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if err := r.Service.Store.ExtendLease(ctx, id, r.Owner, r.Service.Clock.Now().Add(lease)); err != nil {
					r.Service.Log.Warn("relay: lease not extended", "message", id, "err", err)
					if errors.Is(err, ErrStale) {
						return
					}
				}
			}
		}
	}()
	err := send(ctx)
	close(stop)
	<-done
	return err
}

var errNoRoomYet = errors.New("the war room is not open yet")

func (r *Relay) send(ctx context.Context, d Delivery) error {
	m, inc := d.Message, d.Incident
	if m.Platform == WebhookPlatform {
		if r.Hooks == nil || m.To != ToWebhook {
			return Errorf(EINVALID, "%s messages go to a webhook (audience %s), by a process with webhooks configured; got audience %q", WebhookPlatform, ToWebhook, m.To)
		}
		return r.Hooks.Post(ctx, m)
	}
	chat, ok := r.Chats[m.Platform]
	pager, isPager := r.Pagers[m.Platform]
	if !ok && !isPager {
		return Errorf(EINVALID, "platform %q is not configured in this process", m.Platform)
	}
	if m.Incident != 0 && inc == nil {
		return Errorf(ENOTFOUND, "There is no incident #%d.", m.Incident)
	}
	if isPager {
		if m.To != ToPager {
			return Errorf(EINVALID, "%s takes pages only, not %q messages", m.Platform, m.To)
		}
		return pager.Page(ctx, Delivery{Message: m, Incident: inc})
	}
	if m.To == ToOpenRoom {
		return r.openRoom(ctx, chat, inc, m.Platform, m.Attempts)
	}
	if (m.To == ToWarRoom || m.To == ToCard) && d.Room == nil {
		if inc != nil && inc.RoomName != "" {
			return errNoRoomYet
		}
		return Errorf(EINVALID, "incident %d has no war room on %s", m.Incident, m.Platform)
	}
	room, err := chat.Send(ctx, d)
	if room != nil && inc != nil {
		if rerr := r.Service.RecordRoom(ctx, inc.Number, *room); rerr != nil {
			return errors.Join(err, fmt.Errorf("record room %s: %w", room.ID, rerr))
		}
	}
	return err
}

// openRoom opens (or finishes opening) the war room, recording the room as soon as it
// exists (Chat.OpenRoom's first step), then again with what the remaining steps added,
// ready once they all succeeded.
func (r *Relay) openRoom(ctx context.Context, chat Chat, inc *Incident, platform string, attempt int) error {
	req := RoomRequest{Incident: inc, Name: inc.RoomName, Attempt: attempt}
	if room, ok := inc.Room(platform); ok {
		if room.Ready {
			return nil
		}
		req.Existing = &room
	}
	if req.Existing == nil {
		room, err := chat.OpenRoom(ctx, req)
		if err != nil {
			return err
		}
		room.Ready = false
		if err := r.Service.RecordRoom(ctx, inc.Number, room); err != nil {
			return fmt.Errorf("record room %s: %w", room.ID, err)
		}
		req.Existing = &room
	}
	room, err := chat.OpenRoom(ctx, req)
	if err != nil {
		// What the steps that succeeded created is recorded, so that the next attempt
		// does not create it again.
		if room.ID == req.Existing.ID && room != *req.Existing {
			room.Ready = false
			if rerr := r.Service.RecordRoom(ctx, inc.Number, room); rerr != nil {
				return errors.Join(err, fmt.Errorf("record room %s: %w", room.ID, rerr))
			}
		}
		return err
	}
	room.Ready = true
	return r.Service.RecordRoom(ctx, inc.Number, room)
}

// RecordRoom saves an incident's war room on a platform (once created, and again when
// every set-up step is done).
func (s *Service) RecordRoom(ctx context.Context, number int, room WarRoom) error {
	_, err := s.update(ctx, number, func(inc *Incident, ch *Change) error {
		old, had := inc.Room(room.Platform)
		if had && old.ID != room.ID {
			return Errorf(ECONFLICT, "incident %d already has war room %s on %s", number, old.ID, room.Platform)
		}
		inc.SetRoom(room)
		if room.Ready && !old.Ready {
			ch.RoomReady = room.Platform
		}
		if !had {
			ch.Log(s.Clock.Now(), KindWarRoom, Bot, fmt.Sprintf("War room #%s opened on %s", room.Name, room.Platform))
		}
		return nil
	})
	return err
}

// noteUndelivered says on the incident's timeline that a direct message could not
// reach its person (a page to a lead who has not installed the app, a person with no
// id on the platform), so that the incident team knows the page reached them only
// where they were mentioned, or not at all.
func (r *Relay) noteUndelivered(ctx context.Context, m Outgoing, err error) {
	if m.To != ToPerson || m.Incident == 0 {
		return
	}
	s := r.Service
	text := fmt.Sprintf("Direct message to %s on %s not delivered: %s", m.Person, m.Platform, ErrorMessage(err))
	if _, uerr := s.update(ctx, m.Incident, func(inc *Incident, ch *Change) error {
		ch.Log(s.Clock.Now(), KindNote, "mimbot", text)
		return nil
	}); uerr != nil {
		s.Log.Error("relay: note an undelivered message", "incident", m.Incident, "err", uerr)
	}
}
