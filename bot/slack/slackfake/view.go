package slackfake

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// TriggerTTL is how long a trigger_id may be exchanged for a modal.
const TriggerTTL = 3 * time.Second

const (
	maxCallbackID      = 255
	maxPrivateMetadata = 3000
	maxExternalID      = 255
)

// View is a snapshot of a modal opened with views.open.
type View struct {
	ID         string
	TriggerID  string
	UserID     string // user the trigger belonged to
	Type       string
	CallbackID string
	ExternalID string
	Hash       string
	// JSON is the view as last submitted by the bot (views.open or views.update).
	JSON     json.RawMessage
	OpenedAt time.Time
	Updates  int
}

type view struct {
	id, triggerID, userID string
	typ, callbackID       string
	externalID, hash      string
	raw                   json.RawMessage
	openedAt              time.Time
	updates               int
}

type trigger struct {
	userID string
	issued time.Time
	used   bool
}

func (v *view) snapshot() View {
	return View{ID: v.id, TriggerID: v.triggerID, UserID: v.userID, Type: v.typ, CallbackID: v.callbackID,
		ExternalID: v.externalID, Hash: v.hash, JSON: slices.Clone(v.raw), OpenedAt: v.openedAt, Updates: v.updates}
}

// issueTriggerLocked mints a trigger id in Slack's "digits.digits.hex" shape.
func (s *Server) issueTriggerLocked(userID string) string {
	now := s.now()
	s.seq++
	id := fmt.Sprintf("%d.%d.%s", now.UnixMicro(), s.seq, randomHex(16))
	s.triggers[id] = &trigger{userID: userID, issued: now}
	return id
}

// IssueTriggerID mints a fresh trigger id for userID, as a slash command or
// interaction would carry. It is valid for TriggerTTL and exchangeable once.
func (s *Server) IssueTriggerID(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueTriggerLocked(userID)
}

// modalSpec is the part of a view the fake validates.
type modalSpec struct {
	fields     map[string]json.RawMessage
	typ        string
	callbackID string
	externalID string
}

// parseView validates a modal as Slack's views.open/update do and returns
// the invalid_arguments messages on failure.
func parseView(js string) (modalSpec, []string) {
	var spec modalSpec
	if js == "" {
		return spec, []string{"[ERROR] missing required field: view"}
	}
	if err := json.Unmarshal([]byte(js), &spec.fields); err != nil || spec.fields == nil {
		return spec, []string{"[ERROR] must be an object [json-pointer:/view]"}
	}
	str := func(k string) string {
		var v string
		_ = json.Unmarshal(spec.fields[k], &v)
		return v
	}
	spec.typ, spec.callbackID, spec.externalID = str("type"), str("callback_id"), str("external_id")
	var msgs []string
	if spec.typ != "modal" {
		msgs = append(msgs, "[ERROR] must be 'modal' [json-pointer:/view/type]")
	}
	if m := checkText(spec.fields["title"], 1, maxPlainTextViewTitle, true, "/view/title"); m != "" {
		msgs = append(msgs, m)
	}
	for _, k := range []string{"submit", "close"} {
		if raw, ok := spec.fields[k]; ok && string(raw) != "null" {
			if m := checkText(raw, 1, maxPlainTextViewTitle, true, "/view/"+k); m != "" {
				msgs = append(msgs, m)
			}
		}
	}
	if len(spec.callbackID) > maxCallbackID {
		msgs = append(msgs, "[ERROR] must be at most 255 characters [json-pointer:/view/callback_id]")
	}
	if utf8.RuneCountInString(str("private_metadata")) > maxPrivateMetadata {
		msgs = append(msgs, "[ERROR] must be at most 3000 characters [json-pointer:/view/private_metadata]")
	}
	if len(spec.externalID) > maxExternalID {
		msgs = append(msgs, "[ERROR] must be at most 255 characters [json-pointer:/view/external_id]")
	}
	blocks := string(spec.fields["blocks"])
	if blocks == "" {
		blocks = "null"
	}
	if _, _, code, bm := validateBlocks(blocks, maxViewBlocks, "/view/blocks"); code != "" {
		msgs = append(msgs, bm...)
	} else if hasInputBlock(blocks) {
		if raw, ok := spec.fields["submit"]; !ok || string(raw) == "null" {
			msgs = append(msgs, "[ERROR] must provide a submit property when using input blocks [json-pointer:/view]")
		}
	}
	return spec, msgs
}

func hasInputBlock(blocks string) bool {
	var list []struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal([]byte(blocks), &list)
	return slices.ContainsFunc(list, func(b struct {
		Type string `json:"type"`
	}) bool {
		return b.Type == "input"
	})
}

func (s *Server) viewJSON(v *view) json.RawMessage {
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(v.raw, &fields)
	out := obj{}
	for k, raw := range fields {
		out[k] = raw
	}
	if b, ok := fields["blocks"]; !ok || string(b) == "null" {
		out["blocks"] = []any{}
	}
	generated := obj{
		"id": v.id, "team_id": s.opts.TeamID, "state": obj{"values": obj{}}, "hash": v.hash,
		"root_view_id": v.id, "previous_view_id": nil, "app_id": s.opts.AppID,
		"app_installed_team_id": s.opts.TeamID, "bot_id": s.opts.BotID,
	}
	for k, val := range generated {
		out[k] = val
	}
	b, _ := json.Marshal(out)
	return b
}

func (s *Server) newViewHashLocked() string {
	s.seq++
	return strconv.FormatInt(s.now().Unix(), 10) + "." + randomHex(4) + strconv.Itoa(s.seq)
}

func (s *Server) externalIDTakenLocked(ext, exceptID string) bool {
	if ext == "" {
		return false
	}
	for _, v := range s.views {
		if v.externalID == ext && v.id != exceptID {
			return true
		}
	}
	return false
}

// apiViewsOpen implements views.open: the trigger id must be one the fake
// issued less than TriggerTTL ago and not yet exchanged.
func (s *Server) apiViewsOpen(c *apiCall) obj {
	tid := c.p.get("trigger_id")
	if tid == "" {
		return failWith("invalid_arguments", "[ERROR] missing required field: trigger_id")
	}
	spec, msgs := parseView(c.p.get("view"))
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.triggers[tid]
	switch {
	case t == nil || s.now().Sub(t.issued) > TriggerTTL:
		return fail("expired_trigger_id")
	case t.used:
		return fail("exchanged_trigger_id")
	case len(msgs) > 0:
		return failWith("invalid_arguments", msgs...)
	case s.externalIDTakenLocked(spec.externalID, ""):
		return fail("duplicate_external_id")
	}
	t.used = true
	v := &view{id: s.nextIDLocked("V"), triggerID: tid, userID: t.userID, typ: spec.typ,
		callbackID: spec.callbackID, externalID: spec.externalID, raw: json.RawMessage(c.p.get("view")),
		openedAt: s.now(), hash: s.newViewHashLocked()}
	s.views[v.id] = v
	s.viewOrder = append(s.viewOrder, v.id)
	return ok(obj{"view": s.viewJSON(v)})
}

// apiViewsUpdate implements views.update by view_id or external_id, with
// optimistic locking on hash.
func (s *Server) apiViewsUpdate(c *apiCall) obj {
	id, ext, hash := c.p.get("view_id"), c.p.get("external_id"), c.p.get("hash")
	if id == "" && ext == "" {
		return failWith("invalid_arguments", "[ERROR] must provide view_id or external_id")
	}
	spec, msgs := parseView(c.p.get("view"))
	s.mu.Lock()
	defer s.mu.Unlock()
	var v *view
	if id != "" {
		v = s.views[id]
	} else {
		for _, cand := range s.views {
			if cand.externalID == ext {
				v = cand
			}
		}
	}
	switch {
	case v == nil:
		return fail("not_found")
	case hash != "" && hash != v.hash:
		return fail("hash_conflict")
	case len(msgs) > 0:
		return failWith("invalid_arguments", msgs...)
	case s.externalIDTakenLocked(spec.externalID, v.id):
		return fail("duplicate_external_id")
	}
	v.raw, v.typ, v.callbackID, v.externalID = json.RawMessage(c.p.get("view")), spec.typ, spec.callbackID, spec.externalID
	v.hash = s.newViewHashLocked()
	v.updates++
	return ok(obj{"view": s.viewJSON(v)})
}

// OpenedViews returns every modal opened, in order.
func (s *Server) OpenedViews() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, 0, len(s.viewOrder))
	for _, id := range s.viewOrder {
		out = append(out, s.views[id].snapshot())
	}
	return out
}
