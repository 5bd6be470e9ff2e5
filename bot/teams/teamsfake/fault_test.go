package teamsfake

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestInjectedFaults(t *testing.T) {
	s, clk := start(t, Options{})
	c := newConnector(t, s)
	general := s.generalID()

	s.InjectFault("/connector/v3/conversations", Fault{Status: http.StatusServiceUnavailable, RetryAfter: 2 * time.Second})
	a := c.send(general, text("x"))
	if a.status != 503 || a.code() != "ServiceUnavailable" || a.header.Get("Retry-After") != "2" {
		t.Fatalf("faulted call: %d Retry-After %q %s", a.status, a.header.Get("Retry-After"), a.body)
	}
	if len(s.Posts(general)) != 0 {
		t.Error("a faulted post was kept")
	}
	if a := c.send(s.AddChannel("inc-1").ID, text("x")); a.status != 201 || s.EarlyRetries() != 0 {
		t.Errorf("a post to another conversation: %d, EarlyRetries %d; the Retry-After was for general", a.status, s.EarlyRetries())
	}
	if a := c.send(general, text("x")); a.status != 201 {
		t.Fatalf("the fault answered more than Times: %d", a.status)
	}
	if n := s.EarlyRetries(); n != 1 {
		t.Errorf("EarlyRetries = %d after a retry inside the fault's Retry-After, want 1", n)
	}
	clk.Advance(2 * time.Second)
	c.send(general, text("x"))
	if n := s.EarlyRetries(); n != 1 {
		t.Errorf("EarlyRetries = %d after waiting, want still 1", n)
	}

	s.InjectFault("/graph/v1.0/teams", Fault{Status: 429, Times: 2})
	g := newGraph(t, s)
	for i := range 2 {
		if a := g.create("inc-9"); a.status != 429 || a.code() != "TooManyRequests" || a.header.Get("Retry-After") != "1" {
			t.Errorf("graph fault %d: %d %s", i+1, a.status, a.body)
		}
	}
	calls := s.Calls()
	if last := calls[len(calls)-1]; !last.Fault || last.Status != 429 || last.RetryAfter != time.Second || last.Path != "/graph/v1.0/teams/"+s.TeamID()+"/channels" {
		t.Errorf("last call = %+v", last)
	}

	s.InjectFault("/connector", Fault{Drop: true})
	req, _ := http.NewRequest(http.MethodPost, c.url(general, "activities"), nil)
	req.Header.Set("Authorization", "Bearer "+c.tok)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("dropped call answered %d", resp.StatusCode)
	}

	s.ResetCalls()
	if n := len(s.Calls()); n != 0 {
		t.Errorf("%d calls after ResetCalls", n)
	}
}

func TestLatencyHoldsAnswersBack(t *testing.T) {
	s, _ := start(t, Options{})
	c := newConnector(t, s)
	const d = 150 * time.Millisecond
	s.SetLatency("/connector/v3/conversations", d)
	begin := time.Now()
	if a := c.send(s.generalID(), text("x")); a.status != 201 {
		t.Fatalf("send: %d", a.status)
	}
	if took := time.Since(begin); took < d {
		t.Errorf("answer came after %v, before the %v latency", took, d)
	}
	if len(s.Posts(s.generalID())) != 1 {
		t.Error("the post was not kept")
	}
}

func TestDeliverDoesNotRetry(t *testing.T) {
	s, _ := start(t, Options{})
	var n atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer hs.Close()
	status, body, _, err := s.Deliver(context.Background(), hs.URL, s.PersonalMessage(alice.AADObjectID, "hi"))
	if err != nil || status != 503 || string(body) != "busy\n" {
		t.Fatalf("Deliver = %d %q %v", status, body, err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("bot called %d times, want 1", got)
	}
}

func TestUnderWayCountsUnansweredCalls(t *testing.T) {
	s, _ := start(t, Options{})
	c := newConnector(t, s)
	s.SetLatency("/connector", 300*time.Millisecond)
	done := make(chan answer)
	go func() { done <- c.send(s.generalID(), text("x")) }()
	deadline := time.Now().Add(5 * time.Second)
	for s.UnderWay("/connector/v3") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the call never showed as under way")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(s.Calls()); n != 1 { // the token call only
		t.Errorf("%d calls listed while one is under way, want 1", n)
	}
	if a := <-done; a.status != 201 {
		t.Errorf("send: %d", a.status)
	}
	if n := s.UnderWay("/connector"); n != 0 {
		t.Errorf("UnderWay = %d after the answer", n)
	}
}

func TestInjected429HoldsTheConversation(t *testing.T) {
	s, clk := start(t, Options{})
	c := newConnector(t, s)
	general := s.generalID()
	s.InjectFault("/connector/v3/conversations", Fault{Status: 429, RetryAfter: 3 * time.Second})
	if a := c.send(general, text("x")); a.status != 429 || a.header.Get("Retry-After") != "3" {
		t.Fatalf("faulted: %d %q", a.status, a.header.Get("Retry-After"))
	}
	clk.Advance(2 * time.Second)
	a := c.send(general, text("x"))
	if a.status != 429 || a.header.Get("Retry-After") != "1" || s.EarlyRetries() != 1 {
		t.Errorf("retry a second early: %d Retry-After %q, EarlyRetries %d", a.status, a.header.Get("Retry-After"), s.EarlyRetries())
	}
	clk.Advance(time.Second)
	if a := c.send(general, text("x")); a.status != 201 || s.EarlyRetries() != 1 {
		t.Errorf("retry on time: %d, EarlyRetries %d", a.status, s.EarlyRetries())
	}
}
