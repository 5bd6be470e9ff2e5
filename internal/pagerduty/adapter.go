package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	pdapi "github.com/PagerDuty/go-pagerduty"

	"mimbot/mim"
)

// DefaultEventsURL is the Events API v2 enqueue URL; PAGERDUTY_EVENTS_URL replaces it.
const DefaultEventsURL = "https://events.pagerduty.com" + enqueuePath

// enqueuePath is what go-pagerduty appends to the events endpoint it is given.
const enqueuePath = "/v2/enqueue"

// Config is what the adapter needs from the environment.
type Config struct {
	// EventsURL replaces DefaultEventsURL (PAGERDUTY_EVENTS_URL). Either the full
	// enqueue URL (https://events.pagerduty.com/v2/enqueue) or its base
	// (https://events.pagerduty.com) is accepted.
	EventsURL  string
	HTTPClient *http.Client // default: 10-second timeout
}

// Adapter sends pages to PagerDuty. It is the mim.Pager of the platform mim.PagerDuty.
type Adapter struct {
	conf   *mim.Config
	log    *slog.Logger
	client *pdapi.Client
}

var _ mim.Pager = (*Adapter)(nil)

// New returns an adapter that sends events to cfg.EventsURL, with the routing keys of
// conf's towers.
func New(cfg Config, conf *mim.Config, log *slog.Logger) (*Adapter, error) {
	if conf == nil {
		return nil, errors.New("pagerduty: no configuration")
	}
	base, err := eventsBase(cfg.EventsURL)
	if err != nil {
		return nil, err
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	client := pdapi.NewClient("", pdapi.WithV2EventsAPIEndpoint(base))
	client.HTTPClient = refusals{client: cfg.HTTPClient}
	return &Adapter{conf: conf, log: log.With("platform", mim.PagerDuty), client: client}, nil
}

// eventsBase turns PAGERDUTY_EVENTS_URL into the endpoint go-pagerduty wants: the URL
// without /v2/enqueue, which the client appends itself.
func eventsBase(raw string) (string, error) {
	if raw == "" {
		raw = DefaultEventsURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("pagerduty: events URL is not a URL: want one such as %s", DefaultEventsURL)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("pagerduty: events URL %q: want an http(s) URL such as %s", u.Redacted(), DefaultEventsURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", fmt.Errorf("pagerduty: events URL %q: remove the query or fragment; the path %s goes at its end", u.Redacted(), enqueuePath)
	}
	return strings.TrimSuffix(strings.TrimRight(raw, "/"), enqueuePath), nil
}

// Page turns a page message into a PagerDuty event; messages to any other audience
// have nothing to do on PagerDuty.
func (a *Adapter) Page(ctx context.Context, d mim.Delivery) error {
	if d.Message.To != mim.ToPager {
		return nil
	}
	m := d.Message
	tower := m.Text
	action, err := actionOf(m.Kind)
	if err != nil {
		return err
	}
	if d.Incident == nil {
		return fmt.Errorf("pagerduty: %s: %w", action, mim.Errorf(mim.EINVALID, "the %s page of the %s tower came without incident %d", m.Kind, tower, m.Incident))
	}
	t, ok := a.conf.Towers[tower]
	if !ok || t.PagerDutyRoutingKey == "" {
		return fmt.Errorf("pagerduty: %s: %w", action, mim.Errorf(mim.EINVALID, "the %s tower has no pagerduty_routing_key: %s of %s not sent to PagerDuty", tower, action, d.Incident.Ref()))
	}
	ev := a.event(d, action, tower, t.PagerDutyRoutingKey)
	log := a.log.With("incident", d.Incident.Number, "tower", tower, "action", action, "dedup_key", ev.DedupKey)
	if _, err := a.client.ManageEventWithContext(ctx, ev); err != nil {
		return fmt.Errorf("pagerduty: %s: %w", action, failure(err, action, tower, t.PagerDutyRoutingKey))
	}
	log.Info("pagerduty: event accepted")
	return nil
}
