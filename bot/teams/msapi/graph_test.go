package msapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

const channelJSONText = `{"id":"19:new@thread.tacv2","displayName":"inc-42-payments","description":"Payments down","membershipType":"standard","webUrl":"https://teams.example/c","createdDateTime":"2026-03-02T09:00:00Z"}`

func TestGraphCreateChannel(t *testing.T) {
	s := newServer(t)
	s.handle = func(w http.ResponseWriter, h hit, n int) {
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, channelJSONText)
	}
	got, err := s.graph().CreateChannel(context.Background(), "inc-42-payments", "Payments down")
	if err != nil {
		t.Fatal(err)
	}
	want := Channel{ID: "19:new@thread.tacv2", DisplayName: "inc-42-payments", Description: "Payments down", WebURL: "https://teams.example/c", CreatedAt: epoch}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("channel (-want +got):\n%s", d)
	}
	h := s.calls()[0]
	if h.Method != http.MethodPost || h.Path != "/graph/v1.0/teams/team-1/channels" || h.Auth != "Bearer tok-1" {
		t.Errorf("call = %s %s %s", h.Method, h.Path, h.Auth)
	}
	var body map[string]string
	_ = json.Unmarshal([]byte(h.Body), &body)
	if d := cmp.Diff(map[string]string{"displayName": "inc-42-payments", "description": "Payments down", "membershipType": "standard"}, body); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
	if tc := s.tokenCalls(); len(tc) != 1 || !strings.Contains(tc[0].Body, url.QueryEscape(GraphScope)) {
		t.Errorf("token requests = %v, want one of Graph's scope", tc)
	}
}

func TestGraphNameTaken(t *testing.T) {
	s := newServer(t)
	s.handle = func(w http.ResponseWriter, h hit, n int) { answer(w, http.StatusBadRequest, "NameAlreadyExists", "") }
	g := s.graph()
	_, err := g.CreateChannel(context.Background(), "inc-1", "")
	if !errors.Is(err, ErrNameTaken) {
		t.Fatalf("create: err = %v, want ErrNameTaken", err)
	}
	if c := Code(err); c != mim.ECONFLICT {
		t.Errorf("Code = %s, want %s", c, mim.ECONFLICT)
	}
	if err := g.RenameChannel(context.Background(), "19:a@thread.tacv2", "inc-1"); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("rename: err = %v, want ErrNameTaken", err)
	}
	// Any other 400 is not a taken name.
	s.handle = func(w http.ResponseWriter, h hit, n int) { answer(w, http.StatusBadRequest, "BadRequest", "") }
	_, err = g.CreateChannel(context.Background(), "_bad", "")
	if errors.Is(err, ErrNameTaken) || Code(err) != mim.EINVALID {
		t.Errorf("bad name: err = %v, Code %s; want EINVALID, not ErrNameTaken", err, Code(err))
	}
}

func TestGraphChannelByNameQuotesTheFilter(t *testing.T) {
	s := newServer(t)
	s.handle = func(w http.ResponseWriter, h hit, n int) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"value":[{"id":"19:x@thread.tacv2","displayName":"OBrien"},{"id":"19:y@thread.tacv2","displayName":"O'Brien's"}]}`)
	}
	g := s.graph()
	got, err := g.ChannelByName(context.Background(), "o'brien's")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "19:y@thread.tacv2" {
		t.Errorf("channel = %+v, want the one whose name matches without case", got)
	}
	q, err := url.ParseQuery(s.calls()[0].Query)
	if err != nil {
		t.Fatal(err)
	}
	if f := q.Get("$filter"); f != "displayName eq 'o''brien''s'" {
		t.Errorf("$filter = %q, want the quotes doubled", f)
	}
	_, err = g.ChannelByName(context.Background(), "nobody")
	if mim.ErrorCode(err) != mim.ENOTFOUND || Code(err) != mim.ENOTFOUND {
		t.Errorf("no such channel: err = %v, want ENOTFOUND", err)
	}
}

func TestGraphChannelsFollowsNextLink(t *testing.T) {
	s := newServer(t)
	s.handle = func(w http.ResponseWriter, h hit, n int) {
		if h.Query == "" {
			fmt.Fprintf(w, `{"value":[{"id":"19:a@thread.tacv2","displayName":"General"}],"@odata.nextLink":"%s/graph/v1.0/teams/team-1/channels?$skiptoken=2"}`, s.srv.URL)
			return
		}
		fmt.Fprint(w, `{"value":[{"id":"19:b@thread.tacv2","displayName":"inc-1"}]}`)
	}
	got, err := s.graph().Channels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].DisplayName != "General" || got[1].DisplayName != "inc-1" {
		t.Errorf("channels = %+v, want both pages", got)
	}
}

func TestGraphThrottled(t *testing.T) {
	s := newServer(t)
	s.handle = func(w http.ResponseWriter, h hit, n int) {
		if n == 1 {
			answer(w, http.StatusTooManyRequests, "TooManyRequests", "5")
			return
		}
		if h.Method == http.MethodGet {
			fmt.Fprint(w, `{"value":[]}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
	g := s.graph()
	done := make(chan error, 2)
	go func() { done <- g.RenameChannel(context.Background(), "19:a@thread.tacv2", "inc-2") }()
	waitFor(t, "the first attempt", func() bool { return len(s.calls()) == 1 })
	// Another call made meanwhile waits for the Retry-After too.
	go func() { _, err := g.Channels(context.Background()); done <- err }()
	settle()
	advanceUntil(t, s.clock, time.Second, 20, "the retry and the other call", func() bool { return len(s.calls()) == 3 })
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	calls := s.calls()
	for _, c := range calls[1:] {
		if wait := c.At.Sub(calls[0].At); wait < 5*time.Second {
			t.Errorf("%s %s %s after the 429, before its Retry-After of 5s", c.Method, c.Path, wait)
		}
	}
}

func TestGraphCreateMeeting(t *testing.T) {
	s := newServer(t)
	s.handle = func(w http.ResponseWriter, h hit, n int) {
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":"mtg-1","joinWebUrl":"https://teams.example/join/1"}`)
	}
	start := epoch.Add(time.Minute)
	got, err := s.graph().CreateMeeting(context.Background(), "aad-im", "INC 42 bridge", start, start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got != "https://teams.example/join/1" {
		t.Errorf("join URL = %q", got)
	}
	h := s.calls()[0]
	var body map[string]string
	_ = json.Unmarshal([]byte(h.Body), &body)
	want := map[string]string{"subject": "INC 42 bridge", "startDateTime": "2026-03-02T09:01:00Z", "endDateTime": "2026-03-02T10:01:00Z"}
	if h.Path != "/graph/v1.0/users/aad-im/onlineMeetings" {
		t.Errorf("path = %s", h.Path)
	}
	if d := cmp.Diff(want, body); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
}
