package discordfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"mimbot/mim/mimtest"
)

const (
	testGuild        = "900000000000000001"
	testCategory     = "900000000000000010"
	testStakeholders = "900000000000000011"
	testAlice        = "900000000000000100"
	testBob          = "900000000000000101"
)

// baseOptions seeds a guild with a category, a stakeholders channel and two
// users.
func baseOptions() Options {
	return Options{
		GuildID: testGuild,
		Users: []User{
			{ID: testAlice, Username: "alice"},
			{ID: testBob, Username: "bob", DMsDisabled: true},
		},
		Channels: []Channel{
			{ID: testCategory, Name: "Incidents", Type: ChannelCategory},
			{ID: testStakeholders, Name: "stakeholders", Type: ChannelText, ParentID: testCategory},
		},
	}
}

func startFake(t *testing.T, opts Options) *Server {
	t.Helper()
	f := New(opts)
	if err := f.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(f.Close)
	return f
}

// discordRewrite sends https://discord.com requests to the fake.
type discordRewrite struct{ fakeURL string }

func (d discordRewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != "discord.com" {
		return nil, errors.New("unexpected host " + r.URL.Host)
	}
	r = r.Clone(r.Context())
	host := strings.TrimPrefix(d.fakeURL, "http://")
	r.URL.Scheme, r.URL.Host, r.Host = "http", host, host
	return http.DefaultTransport.RoundTrip(r)
}

// newSession is a real discordgo session talking to the fake.
func newSession(t *testing.T, f *Server) *discordgo.Session {
	t.Helper()
	s, err := discordgo.New("Bot " + f.BotToken())
	if err != nil {
		t.Fatalf("discordgo.New: %v", err)
	}
	s.Client = &http.Client{Transport: discordRewrite{fakeURL: f.URL()}, Timeout: 15 * time.Second}
	s.LogLevel = discordgo.LogError
	return s
}

// openSession opens the gateway. Reconnecting is off unless configure turns
// it on. discordgo's Close sleeps a second, so it runs in the background when
// the test ends; with reconnecting off the session then simply stops.
func openSession(t *testing.T, f *Server, configure func(*discordgo.Session)) *discordgo.Session {
	t.Helper()
	s := newSession(t, f)
	s.ShouldReconnectOnError = false
	if configure != nil {
		configure(s)
	}
	if err := s.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	if s.ShouldReconnectOnError {
		t.Cleanup(func() { _ = s.Close() })
	} else {
		t.Cleanup(func() { go func() { _ = s.Close() }() })
	}
	return s
}

// apiError is a decoded Discord error body.
type apiError struct {
	Status  int
	Code    int            `json:"code"`
	Message string         `json:"message"`
	Errors  map[string]any `json:"errors"`
}

// errorOf extracts the Discord error from a discordgo error.
func errorOf(t *testing.T, err error) apiError {
	t.Helper()
	var rest *discordgo.RESTError
	if !errors.As(err, &rest) {
		t.Fatalf("want a *discordgo.RESTError, got %T: %v", err, err)
	}
	var e apiError
	if jerr := json.Unmarshal(rest.ResponseBody, &e); jerr != nil {
		t.Fatalf("error body %q: %v", rest.ResponseBody, jerr)
	}
	e.Status = rest.Response.StatusCode
	return e
}

// fieldCode returns the first _errors code at a dotted path.
func (e apiError) fieldCode(path string) string {
	node := e.Errors
	if path != "" {
		for _, p := range strings.Split(path, ".") {
			next, ok := node[p].(map[string]any)
			if !ok {
				return ""
			}
			node = next
		}
	}
	list, _ := node["_errors"].([]any)
	if len(list) == 0 {
		return ""
	}
	first, _ := list[0].(map[string]any)
	code, _ := first["code"].(string)
	return code
}

// rawCall sends a request straight to the fake (not through discordgo).
func rawCall(t *testing.T, f *Server, method, path string, body any, auth bool) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.URL()+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth {
		req.Header.Set("Authorization", "Bot "+f.BotToken())
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// waitFor polls cond for up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newTestClock is a manual clock for Options.Clock.
func newTestClock() *mimtest.Clock {
	return mimtest.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
}
