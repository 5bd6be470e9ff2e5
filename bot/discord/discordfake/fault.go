package discordfake

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is an injected failure for the next Times matching REST calls.
type Fault struct {
	// Status is the HTTP status to answer with (500, 502, 403, ...).
	Status int
	// Code and Message make the body a Discord error object. With Code 0
	// and a 5xx Status the body is what Discord's edge sends for that status.
	Code    int
	Message string
	// Drop closes the connection without any response.
	Drop bool
	// Times is how many matching calls fail; 0 means 1.
	Times int
}

// FaultStatus fails the next times calls with an HTTP status (500, 502, ...).
func FaultStatus(status, times int) Fault { return Fault{Status: status, Times: times} }

// FaultDiscordError fails the next times calls with a Discord error body.
func FaultDiscordError(status, code int, message string, times int) Fault {
	return Fault{Status: status, Code: code, Message: message, Times: times}
}

// FaultDrop drops the connection of the next times calls. Go's
// http.Transport may transparently retry an idempotent request whose reused
// connection was dropped, which consumes a second fault.
func FaultDrop(times int) Fault { return Fault{Drop: true, Times: times} }

func (f Fault) reply() reply {
	if f.Code != 0 || f.Message != "" {
		return errReply(f.Status, f.Code, f.Message)
	}
	if f.Status == http.StatusInternalServerError {
		return errReply(f.Status, CodeGeneral, "500: Internal Server Error")
	}
	text := strconv.Itoa(f.Status) + " " + http.StatusText(f.Status)
	return reply{
		status:      f.Status,
		raw:         []byte("<html><head><title>" + text + "</title></head><body><center><h1>" + text + "</h1></center></body></html>\n"),
		contentType: "text/html",
	}
}

// faultTable holds injected latencies and faults keyed by route prefix.
type faultTable struct {
	mu       sync.Mutex
	latency  map[string]time.Duration
	pending  []pendingFault
	injected int
}

type pendingFault struct {
	prefix string
	fault  Fault
	left   int
}

// matches reports whether prefix selects a call: "" selects everything;
// otherwise prefix is matched against the versionless path
// ("/channels/123/messages") and the route pattern
// ("/channels/{channel_id}/messages"), optionally preceded by the method
// ("POST /channels/").
func prefixMatches(prefix, method, path, pattern string) bool {
	if prefix == "" {
		return true
	}
	for _, s := range []string{path, pattern, method + " " + path, method + " " + pattern} {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func (t *faultTable) setLatency(prefix string, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.latency == nil {
		t.latency = map[string]time.Duration{}
	}
	if d <= 0 {
		delete(t.latency, prefix)
		return
	}
	t.latency[prefix] = d
}

// latencyFor returns the latency of the longest matching prefix.
func (t *faultTable) latencyFor(method, path, pattern string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	best, bestLen := time.Duration(0), -1
	for p, d := range t.latency {
		if prefixMatches(p, method, path, pattern) && len(p) > bestLen {
			best, bestLen = d, len(p)
		}
	}
	return best
}

func (t *faultTable) inject(prefix string, f Fault) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := f.Times
	if n <= 0 {
		n = 1
	}
	t.pending = append(t.pending, pendingFault{prefix: prefix, fault: f, left: n})
}

// take consumes one use of the first fault matching the call.
func (t *faultTable) take(method, path, pattern string) (Fault, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.pending {
		p := &t.pending[i]
		if !prefixMatches(p.prefix, method, path, pattern) {
			continue
		}
		f := p.fault
		p.left--
		if p.left == 0 {
			t.pending = append(t.pending[:i], t.pending[i+1:]...)
		}
		t.injected++
		return f, true
	}
	return Fault{}, false
}
