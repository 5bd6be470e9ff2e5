package slackfake

import (
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func modal(title string, blocks ...slack.Block) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		Title:      slack.NewTextBlockObject(slack.PlainTextType, title, false, false),
		Close:      slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		Blocks:     slack.Blocks{BlockSet: blocks},
		CallbackID: "incident_form",
	}
}

func TestViewsOpen(t *testing.T) {
	clock := newTestClock()
	f, api := startFake(t, Options{Clock: clock.Now})
	stale := f.IssueTriggerID(alice)
	clock.Advance(TriggerTTL + time.Millisecond)
	justInTime := f.IssueTriggerID(alice)
	fresh := f.IssueTriggerID(alice)
	used := f.IssueTriggerID(alice)
	if _, err := api.OpenView(used, modal("First")); err != nil {
		t.Fatalf("opening with a fresh trigger: %v", err)
	}
	clock.Advance(TriggerTTL) // justInTime, fresh and used are now exactly 3 s old

	input := slack.NewInputBlock("reason", slack.NewTextBlockObject(slack.PlainTextType, "Reason", false, false), nil,
		slack.NewPlainTextInputBlockElement(nil, "reason_input"))
	tests := []struct {
		name    string
		trigger string
		view    slack.ModalViewRequest
		want    string
	}{
		{"exactly at the 3 s limit", justInTime, modal("Declare incident"), ""},
		{"older than 3 s", stale, modal("Declare incident"), "expired_trigger_id"},
		{"unknown trigger", "123.456.deadbeef", modal("Declare incident"), "expired_trigger_id"},
		{"already exchanged", used, modal("Again"), "exchanged_trigger_id"},
		{"title over 24 characters", fresh, modal(strings.Repeat("t", 25)), "invalid_arguments"},
		{"input block without submit", fresh, modal("Form", input), "invalid_arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := api.OpenView(tc.trigger, tc.view)
			wantCode(t, err, tc.want)
			if tc.want == "" && (res.ID == "" || res.Hash == "" || res.CallbackID != "incident_form") {
				t.Fatalf("view = %+v", res.View)
			}
		})
	}
	// A form with input blocks is accepted once it has a submit button.
	withSubmit := modal("Form", input)
	withSubmit.Submit = slack.NewTextBlockObject(slack.PlainTextType, "Declare", false, false)
	freshAgain := f.IssueTriggerID(bob)
	opened, err := api.OpenView(freshAgain, withSubmit)
	if err != nil {
		t.Fatalf("valid form: %v", err)
	}

	views := f.OpenedViews()
	if len(views) != 3 || views[2].UserID != bob || views[2].TriggerID != freshAgain {
		t.Fatalf("OpenedViews = %+v", views)
	}

	upd := []struct {
		name string
		hash string
		id   string
		want string
	}{
		{"stale hash", "1.bogus", opened.ID, "hash_conflict"},
		{"current hash", opened.Hash, opened.ID, ""},
		{"unknown view", "", "V0MISSING", "not_found"},
	}
	for _, tc := range upd {
		t.Run("update "+tc.name, func(t *testing.T) {
			_, err := api.UpdateView(modal("Updated"), "", tc.hash, tc.id)
			wantCode(t, err, tc.want)
		})
	}
	if v := f.OpenedViews()[2]; v.Updates != 1 || !strings.Contains(string(v.JSON), "Updated") {
		t.Fatalf("after update: %+v", v)
	}
}
