package mim

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// SimilarKind tells a known error from a past incident among similar results.
type SimilarKind string

const (
	SimilarKnownError SimilarKind = "known_error"
	SimilarIncident   SimilarKind = "incident"
)

// Similar is a known error or a resolved or closed incident whose text shares words
// with an incident: the next responder starts from its workaround.
type Similar struct {
	Kind       SimilarKind
	Number     int // the KE number or the incident number
	Title      string
	Workaround string
	Towers     []string
	// At is when the incident was resolved (or closed), or the known error published.
	At time.Time
	// Took is how long the incident took from declared to resolved; 0 for a known
	// error.
	Took time.Duration
	// Matched is how many distinct query terms its text has.
	Matched int
}

// Ref is how people refer to it: "KE-2" or "#14".
func (s Similar) Ref() string {
	if s.Kind == SimilarKnownError {
		return KnownError{Number: s.Number}.Ref()
	}
	return fmt.Sprintf("#%d", s.Number)
}

// SimilarQuery is what a similar search looks for.
type SimilarQuery struct {
	Terms  []string // from QueryTerms: a candidate must have at least one
	Towers []string // shared towers rank a candidate higher
	// Since leaves out incidents resolved or closed before it (known errors stay).
	Since time.Time
	// Exclude is an incident never returned: the one searched for.
	Exclude int
	Limit   int // 0: every candidate
}

// SimilarStore finds known errors and past incidents by their words.
type SimilarStore interface {
	// Similar returns the known errors and the incidents resolved or closed since
	// q.Since whose indexed text has any of q.Terms, ranked by RankSimilar, at most
	// q.Limit of them.
	Similar(ctx context.Context, q SimilarQuery) ([]Similar, error)
}

// stopWords are the common English words of three letters or more that say nothing
// about an incident; shorter words are dropped anyway.
var stopWords = map[string]bool{
	"the": true, "and": true, "for": true, "are": true, "but": true, "not": true, "you": true,
	"all": true, "any": true, "can": true, "had": true, "has": true, "have": true, "her": true,
	"was": true, "one": true, "our": true, "out": true, "his": true, "how": true, "its": true,
	"may": true, "new": true, "now": true, "old": true, "see": true, "two": true, "who": true,
	"did": true, "get": true, "got": true, "let": true, "too": true, "use": true, "via": true,
	"this": true, "that": true, "with": true, "from": true, "they": true, "them": true,
	"then": true, "than": true, "there": true, "their": true, "were": true, "been": true,
	"being": true, "into": true, "onto": true, "over": true, "some": true, "when": true,
	"what": true, "which": true, "while": true, "will": true, "would": true, "could": true,
	"should": true, "does": true, "doing": true, "done": true, "very": true, "also": true,
	"just": true, "only": true, "more": true, "most": true, "much": true, "such": true,
	"each": true, "after": true, "before": true, "about": true, "again": true, "since": true,
	"still": true, "here": true, "where": true, "why": true, "your": true, "because": true,
	"cannot": true, "can't": true, "isn": true, "aren": true, "wasn": true, "don": true,
	"doesn": true, "didn": true, "won": true, "these": true, "those": true, "other": true,
}

// Words splits text into its lowercase words: runs of letters and digits. The store
// indexes text normalised this way, so that both databases' tokenizers agree.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}

// IndexText is the text the search index keeps for parts: their words, separated by
// single spaces.
func IndexText(parts ...string) string {
	return strings.Join(Words(strings.Join(parts, " ")), " ")
}

// QueryTerms are the distinct words of text worth searching for: stop words and
// words of one or two letters dropped, in first-seen order.
func QueryTerms(text string) []string {
	var out []string
	for _, w := range Words(text) {
		if len([]rune(w)) <= 2 || stopWords[w] || slices.Contains(out, w) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// RankSimilar counts the query terms each candidate's indexed text (texts[i] for
// cands[i]) has, drops those that have none or are q.Exclude, and orders the rest:
// known errors first; then more distinct terms matched; then more towers shared with
// q.Towers; then the most recent; then by number. Both stores rank with it, so SQLite
// and PostgreSQL agree whatever order their indexes return.
func RankSimilar(q SimilarQuery, cands []Similar, texts []string) []Similar {
	terms := make(map[string]bool, len(q.Terms))
	for _, t := range q.Terms {
		terms[t] = true
	}
	out := make([]Similar, 0, len(cands))
	overlap := make(map[int]int, len(cands)) // index in out -> towers shared
	for i, c := range cands {
		if c.Kind == SimilarIncident && c.Number == q.Exclude {
			continue
		}
		seen := map[string]bool{}
		for _, w := range Words(texts[i]) {
			if terms[w] {
				seen[w] = true
			}
		}
		if len(seen) == 0 {
			continue
		}
		c.Matched = len(seen)
		shared := 0
		for _, t := range c.Towers {
			if slices.Contains(q.Towers, t) {
				shared++
			}
		}
		overlap[len(out)] = shared
		out = append(out, c)
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		x, y := out[a], out[b]
		return cmp.Or(
			cmp.Compare(kindOrder(x.Kind), kindOrder(y.Kind)),
			cmp.Compare(y.Matched, x.Matched),
			cmp.Compare(overlap[b], overlap[a]),
			y.At.Compare(x.At),
			cmp.Compare(x.Number, y.Number),
		)
	})
	ranked := make([]Similar, len(idx))
	for i, j := range idx {
		ranked[i] = out[j]
	}
	if q.Limit > 0 && len(ranked) > q.Limit {
		ranked = ranked[:q.Limit]
	}
	return ranked
}

func kindOrder(k SimilarKind) int {
	if k == SimilarKnownError {
		return 0
	}
	return 1
}

// TimerSimilar looks for similar known errors and incidents once an incident is
// declared: due at once, outside the declaration's transaction, so that the
// acknowledgement does not wait for a search.
const TimerSimilar = "similar"

// similarWindow is how far back resolved and closed incidents are searched.
const similarWindow = 365 * 24 * time.Hour

// similarShown is how many results are posted and kept with the incident.
const similarShown = 3

// FindSimilar searches the known errors and past incidents like incident number,
// keeps the best three with it, posts them (the war room of a major incident; the
// owner, or the impacted towers' leads, of another), logs a note, and opens a problem
// record when the incident recurs (Config.Recurrence). fired is the timer being
// completed, if any.
func (s *Service) FindSimilar(ctx context.Context, number int, fired *Timer) (*Incident, error) {
	inc, err := s.Store.Incident(ctx, number)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	terms := QueryTerms(inc.Title + " " + inc.Description)
	best, err := s.Store.Similar(ctx, SimilarQuery{Terms: terms, Towers: inc.Towers, Since: now.Add(-similarWindow), Exclude: number, Limit: similarShown})
	if err != nil {
		return nil, fmt.Errorf("similar to #%d: %w", number, err)
	}
	rec, err := s.recurrence(ctx, inc, terms, now)
	if err != nil {
		return nil, err
	}
	inc, err = s.update(ctx, number, func(inc *Incident, ch *Change) error {
		ch.Fired = fired
		inc.Similar = best
		if len(best) == 0 {
			ch.Log(now, KindNote, Bot, "No similar known error or incident found (searched: "+strings.Join(terms, ", ")+")")
		} else {
			refs := make([]string, len(best))
			for i, b := range best {
				refs[i] = b.Ref()
			}
			ch.Log(now, KindNote, Bot, "Similar: "+strings.Join(refs, ", ")+" (known errors first, then past incidents by words and towers in common)")
			s.postSimilar(inc, ch, s.similarText(inc, best))
		}
		s.recur(inc, ch, rec, now)
		return nil
	})
	if errors.Is(err, ErrStale) {
		return nil, nil
	}
	return inc, err
}

// postSimilar sends text where the people working the incident read it.
func (s *Service) postSimilar(inc *Incident, ch *Change, text string) {
	if inc.Major {
		s.say(inc, ch, ToWarRoom, KindNote, text)
		return
	}
	if inc.Owner != "" {
		s.tell(inc, ch, inc.Owner, KindNote, text)
		return
	}
	var told []string
	for _, tower := range inc.Towers {
		if leads := s.Config.Towers[tower].Leads; len(leads) > 0 && !slices.Contains(told, leads[0]) {
			told = append(told, leads[0])
			s.tell(inc, ch, leads[0], KindNote, text)
		}
	}
}

// similarText is the post: each result's ref, title, workaround and, for an
// incident, how long it took to resolve.
func (s *Service) similarText(inc *Incident, best []Similar) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Seen before? Similar to %s:", s.headline(inc))
	for _, r := range best {
		fmt.Fprintf(&b, "\n• %s", SimilarLine(r))
	}
	return b.String()
}

// SimilarLine is one result as people read it: "KE-1 Pool exhausted (known error);
// workaround: Raise the pool" or "#4 Payments timing out (resolved in 1h30m);
// workaround: Flush the cache".
func SimilarLine(r Similar) string {
	what := "known error"
	if r.Kind == SimilarIncident {
		what = "resolved in " + Duration(r.Took)
	}
	workaround := r.Workaround
	if workaround == "" {
		workaround = "none recorded"
	}
	return fmt.Sprintf("%s %s (%s); workaround: %s", r.Ref(), r.Title, what, workaround)
}
