package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

func modelTests() []test {
	return []test{
		{"SaveAndReplace", testSaveModel},
		{"NotFound", testModelNotFound},
	}
}

func testSaveModel(t *testing.T, s mim.Store) {
	ctx := t.Context()
	if list, err := s.Models(ctx); err != nil || len(list) != 0 {
		t.Fatalf("Models of an empty store = %v, %v; want none", list, err)
	}
	payments := mim.Model{Name: "payment-outage", Towers: []string{"application", "database"}, Impact: mim.High, Urgency: mim.High,
		Tasks: []string{"Check the provider's status page", "Fail over"}}
	dns := mim.Model{Name: "dns", Impact: mim.Medium, Urgency: mim.Low}
	for _, m := range []mim.Model{payments, dns} {
		if err := s.SaveModel(ctx, m); err != nil {
			t.Fatalf("SaveModel(%s): %v", m.Name, err)
		}
	}
	got, err := s.Model(ctx, "payment-outage")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(payments, got); diff != "" {
		t.Errorf("Model (-saved +read):\n%s", diff)
	}
	// Saving a name again replaces the model.
	payments.Tasks = []string{"Fail over first"}
	payments.Urgency = mim.Medium
	if err := s.SaveModel(ctx, payments); err != nil {
		t.Fatalf("SaveModel again: %v", err)
	}
	list, err := s.Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]mim.Model{dns, payments}, list); diff != "" {
		t.Errorf("Models, by name (-want +got):\n%s", diff)
	}
}

func testModelNotFound(t *testing.T, s mim.Store) {
	m, err := s.Model(t.Context(), "nope")
	wantCode(t, err, mim.ENOTFOUND)
	if !cmp.Equal(m, mim.Model{}) {
		t.Errorf("Model(nope) = %+v with its error, want the zero model", m)
	}
}
