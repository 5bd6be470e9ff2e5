package store

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

// An incident decoded through the document cache shares no memory with the cache:
// a caller that changes every string, number and time it was given (through every
// slice and pointer) changes nothing for the next caller; and a changed document is
// parsed again, never served from the cache.
func TestDocumentCacheSharesNothing(t *testing.T) {
	data, err := EncodeIncident(full())
	if err != nil {
		t.Fatal(err)
	}
	want := &mim.Incident{Number: 7}
	if err := DecodeIncident(data, want); err != nil {
		t.Fatal(err)
	}
	var c documents
	for i := range 3 {
		got := &mim.Incident{Number: 7}
		if err := c.decode(data, got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("decode %d through the cache (-want +got):\n%s", i+1, diff)
		}
		scribble(reflect.ValueOf(got).Elem())
	}

	changed := full()
	changed.Title, changed.Towers = "Payments still down", []string{"network"}
	data2, err := EncodeIncident(changed)
	if err != nil {
		t.Fatal(err)
	}
	got := &mim.Incident{Number: 7}
	if err := c.decode(data2, got); err != nil {
		t.Fatal(err)
	}
	if got.Title != "Payments still down" || !reflect.DeepEqual(got.Towers, []string{"network"}) {
		t.Errorf("after the document changed: title %q, towers %v; want the new ones", got.Title, got.Towers)
	}
}

// scribble overwrites every string, integer and time reachable from v.
func scribble(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			scribble(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			scribble(v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Field(i).CanSet() {
				scribble(v.Field(i))
			}
		}
	case reflect.String:
		v.SetString("scribbled")
	case reflect.Int, reflect.Int64:
		v.SetInt(-1)
	case reflect.Bool:
		v.SetBool(!v.Bool())
	}
}
