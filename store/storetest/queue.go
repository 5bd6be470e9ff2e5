package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

func queueTests() []test {
	return []test{
		{"QueueOrderAndFilters", testQueue},
	}
}

// The queue: open incidents only, by priority, then resolve deadline (none last),
// then number; tower= and person (owner or IM) filters; the total before the limit.
func testQueue(t *testing.T, s mim.Store) {
	type spec struct {
		priority mim.Priority
		due      time.Duration // 0: no resolve target
		towers   []string
		owner    string
		im       string
		state    mim.State
	}
	specs := []spec{
		{mim.P4, 120 * time.Hour, []string{"application"}, "lee", "", mim.Investigating}, // 1
		{mim.P4, 110 * time.Hour, []string{"application"}, "", "", mim.Declared},         // 2
		{mim.P0, 4 * time.Hour, []string{"application", "database"}, "", "carol", mim.Investigating},
		{mim.P2, 0, []string{"database"}, "lee", "", mim.Investigating},          // 4: no deadline
		{mim.P2, 24 * time.Hour, []string{"database"}, "noor", "", mim.Declared}, // 5
		{mim.P1, 8 * time.Hour, []string{"network"}, "", "", mim.Resolved},       // 6: not open
		{mim.P4, 120 * time.Hour, []string{"application"}, "", "", mim.Declared}, // 7: same deadline as 1
	}
	for _, sp := range specs {
		declare(t, s, "", func(inc *mim.Incident, _ *mim.Change) {
			inc.Priority, inc.Towers, inc.Owner, inc.IM, inc.State = sp.priority, sp.towers, sp.owner, sp.im, sp.state
			inc.Major = sp.priority <= mim.P1
			if sp.due > 0 {
				inc.ResolveDue = inc.DeclaredAt.Add(sp.due)
			}
		})
	}
	tests := []struct {
		name  string
		f     mim.QueueFilter
		want  []int
		total int
	}{
		{"all", mim.QueueFilter{}, []int{3, 5, 4, 2, 1, 7}, 6},
		{"limit", mim.QueueFilter{Limit: 2}, []int{3, 5}, 6},
		{"tower", mim.QueueFilter{Tower: "database"}, []int{3, 5, 4}, 3},
		{"owner", mim.QueueFilter{Person: "lee"}, []int{4, 1}, 2},
		{"IM", mim.QueueFilter{Person: "carol"}, []int{3}, 1},
		{"tower and person", mim.QueueFilter{Tower: "application", Person: "lee"}, []int{1}, 1},
		{"nobody", mim.QueueFilter{Person: "zoe"}, nil, 0},
	}
	for _, tc := range tests {
		list, total, err := s.Queue(t.Context(), tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []int
		for _, inc := range list {
			got = append(got, inc.Number)
			if inc.Timeline != nil {
				t.Errorf("%s: #%d comes with its timeline", tc.name, inc.Number)
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" || total != tc.total {
			t.Errorf("%s: total %d (want %d), order (-want +got):\n%s", tc.name, total, tc.total, diff)
		}
	}
}
