package web

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"mimbot/internal/httpguard"
	"mimbot/mim"
)

const (
	// maxAlertBody bounds a webhook body; Alertmanager's max_alerts keeps real groups
	// far below it.
	maxAlertBody = 1 << 20
	// maxEpisodes bounds the chain of incidents one alert group may open over time.
	maxEpisodes = 100
	// alertPlatform is where alert declarations come from (mim.DeclareInput.Platform).
	alertPlatform = "alertmanager"
	// The notes the webhook writes on a timeline start with notePrefix; the last one
	// tells whether the group was last reported firing or resolved.
	notePrefix   = "Alertmanager reports "
	noteResolved = notePrefix + "the alerts of this group resolved"
	noteRefiring = notePrefix + "the alerts of this group firing again"
	// noteCounted lists the alerts (fingerprint@startsAt) an incident counts: an alert
	// still firing after its incident closed must not open another one.
	noteCounted = notePrefix + "these alerts firing: "
)

// alertWebhook is Alertmanager's webhook payload, version 4.
type alertWebhook struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"` // firing or resolved
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []alert           `json:"alerts"`
}

// alert is one alert of a group.
type alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// alertReply is the answer to a webhook. Incident is null when nothing matched.
type alertReply struct {
	Incident *int     `json:"incident"`
	Created  bool     `json:"created"`
	Notes    []string `json:"notes,omitempty"` // what was dropped or done, for the operator reading the logs
}

// label is a label of the group: common to every alert, else from the first firing
// alert that has it.
func (h *alertWebhook) label(name string) string {
	if v := h.CommonLabels[name]; v != "" {
		return v
	}
	for _, a := range h.Alerts {
		if a.Status != "resolved" && a.Labels[name] != "" {
			return a.Labels[name]
		}
	}
	return ""
}

// title names the incident after the group: its summary, else its alert name, else
// its grouping labels.
func (h *alertWebhook) title() string {
	if v := strings.TrimSpace(h.CommonAnnotations["summary"]); v != "" {
		return v
	}
	if v := strings.TrimSpace(h.CommonLabels["alertname"]); v != "" {
		return v
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(h.GroupLabels)) {
		parts = append(parts, k+"="+h.GroupLabels[k])
	}
	if len(parts) > 0 {
		return "Alerts " + strings.Join(parts, ", ")
	}
	return "Alerts from Alertmanager receiver " + h.Receiver
}

// alertKey is the request key of the group's first incident: Alertmanager re-sends a
// group under the same groupKey, and each re-send must find the same incident.
func alertKey(groupKey string) string {
	sum := sha256.Sum256([]byte(groupKey))
	return alertPlatform + ":" + hex.EncodeToString(sum[:16])
}

// nextKey is the request key of the incident a group opens after incident n of the
// same group was closed or cancelled: the same alerts weeks later are a new incident.
func nextKey(first string, n int) string { return fmt.Sprintf("%s:after-%d", first, n) }

// receiveAlerts answers POST /api/v1/alerts.
func (s *Server) receiveAlerts(w http.ResponseWriter, r *http.Request) {
	if !httpguard.Accepts(r, "application/json") {
		s.fail(w, r, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q is not JSON: send Alertmanager's webhook payload as application/json.", r.Header.Get("Content-Type")))
		return
	}
	var hook alertWebhook
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAlertBody))
	if err := dec.Decode(&hook); err != nil {
		if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
			s.fail(w, r, http.StatusRequestEntityTooLarge, "The body is over 1 MiB: lower max_alerts in the Alertmanager webhook_config.")
			return
		}
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("The body is not valid JSON (%v): send Alertmanager's webhook payload, version 4.", err))
		return
	}
	if hook.Version != "" && hook.Version != "4" {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("version %q is not supported: mimbot reads Alertmanager's webhook payload version 4.", hook.Version))
		return
	}
	if strings.TrimSpace(hook.GroupKey) == "" {
		s.fail(w, r, http.StatusBadRequest, "groupKey is missing: mimbot maps each Alertmanager group to one incident by its groupKey. Send Alertmanager's webhook payload, version 4.")
		return
	}
	var (
		reply alertReply
		n     int
		err   error
	)
	switch hook.Status {
	case "firing":
		reply, n, err = s.alertFiring(r.Context(), &hook)
	case "resolved":
		reply, n, err = s.alertResolved(r.Context(), &hook)
	default:
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("status %q is not valid: use \"firing\" or \"resolved\".", hook.Status))
		return
	}
	if err != nil {
		s.failService(w, r, n, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, reply)
}

// alertFiring declares the group's incident, or finds the one a previous send
// declared. Unknown towers, people and models in the labels are dropped with a note
// rather than refused: an alert that cannot declare is an outage nobody hears of.
func (s *Server) alertFiring(ctx context.Context, hook *alertWebhook) (alertReply, int, error) {
	var reply alertReply
	cfg := s.svc.Config
	in := mim.DeclareInput{Title: hook.title(), Platform: alertPlatform, RequestKey: alertKey(hook.GroupKey), Trusted: true,
		Model: hook.label("mimbot_model")}

	in.By = s.alertDeclarer()
	if who := hook.label("mimbot_declarer"); who != "" {
		if _, ok := cfg.People[who]; ok {
			in.By = who
		} else {
			reply.Notes = append(reply.Notes, fmt.Sprintf("mimbot_declarer=%s is not a configured person; declared by %s instead.", who, in.By))
		}
	}

	if v := hook.label("mimbot_towers"); v != "" {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			switch _, ok := cfg.Towers[t]; {
			case t == "":
			case !ok:
				reply.Notes = append(reply.Notes, fmt.Sprintf("Unknown tower %q dropped (towers: %s).", t, strings.Join(cfg.TowerNames(), ", ")))
			case !slices.Contains(in.Towers, t):
				in.Towers = append(in.Towers, t)
			}
		}
	}

	// Impact and urgency: the labels when valid, else the model's (Declare fills them
	// in), else the severity.
	for _, l := range []struct {
		name string
		dst  *mim.Level
	}{{"mimbot_impact", &in.Impact}, {"mimbot_urgency", &in.Urgency}} {
		if v := hook.label(l.name); v != "" {
			lv, err := mim.ParseLevel(l.name, v)
			if err != nil {
				reply.Notes = append(reply.Notes, mim.ErrorMessage(err)+" Used the severity instead.")
				continue
			}
			*l.dst = lv
		}
	}
	bySeverity := func(in *mim.DeclareInput) {
		impact, urgency := s.severity(hook)
		in.Impact, in.Urgency = cmp.Or(in.Impact, impact), cmp.Or(in.Urgency, urgency)
	}
	if in.Model == "" {
		bySeverity(&in)
	}
	ids := hook.firingIDs()
	if len(ids) > 0 {
		in.Notes = []string{noteCounted + strings.Join(ids, ", ")}
	}

	inc, created, err := s.declareEpisode(ctx, in, ids)
	if err != nil && in.Model != "" && mim.ErrorCode(err) == mim.ENOTFOUND {
		// The towers were checked above: only the model can be unknown.
		reply.Notes = append(reply.Notes, mim.ErrorMessage(err)+" Declared without a model.")
		in.Model = ""
		bySeverity(&in)
		inc, created, err = s.declareEpisode(ctx, in, ids)
	}
	if err != nil {
		return alertReply{}, 0, fmt.Errorf("declare from alert group: %w", err)
	}
	reply.Incident, reply.Created = &inc.Number, created
	if !created && !inc.State.Open() && inc.State != mim.Resolved {
		reply.Notes = append(reply.Notes, fmt.Sprintf("These alerts were counted in #%d, which is %s; no new incident opened.", inc.Number, inc.State))
		return reply, inc.Number, nil
	}
	if !created {
		if fresh := uncounted(inc, ids); len(fresh) > 0 {
			if _, err := s.svc.Note(ctx, inc.Number, s.noteActor(inc), noteCounted+strings.Join(fresh, ", ")); err != nil {
				return alertReply{}, inc.Number, fmt.Errorf("note alerts counted: %w", err)
			}
		}
	}
	if !created && lastAlertNote(inc) == noteResolved {
		text := fmt.Sprintf("%s (%d firing).", noteRefiring, firing(hook))
		if _, err := s.svc.Note(ctx, inc.Number, s.noteActor(inc), text); err != nil {
			return alertReply{}, inc.Number, fmt.Errorf("note alerts firing again: %w", err)
		}
		reply.Notes = append(reply.Notes, "Noted on the timeline: the alerts are firing again.")
	}
	return reply, inc.Number, nil
}

// declareEpisode declares in, following the group's chain of incidents: when the
// incident its key finds is closed or cancelled, alerts it did not count (ids, as
// fingerprint@startsAt) are a new episode and get the next incident of the chain,
// which says which one it follows; alerts every earlier incident of the chain already
// counted open nothing, and the closed incident is returned with created false. A
// resolved incident is still the same incident: a person decides whether to reopen it.
func (s *Server) declareEpisode(ctx context.Context, in mim.DeclareInput, ids []string) (*mim.Incident, bool, error) {
	first, notes := in.RequestKey, in.Notes
	counted := map[string]bool{}
	for range maxEpisodes {
		inc, created, err := s.svc.Declare(ctx, in)
		if err != nil || created || (inc.State != mim.Closed && inc.State != mim.Cancelled) {
			return inc, created, err
		}
		if inc.Timeline == nil {
			if inc, err = s.svc.Incident(ctx, inc.Number); err != nil {
				return nil, false, err
			}
		}
		for _, id := range countedAlerts(inc) {
			counted[id] = true
		}
		if len(ids) > 0 && !slices.ContainsFunc(ids, func(id string) bool { return !counted[id] }) {
			return inc, false, nil // still firing from an incident already closed
		}
		in.RequestKey = nextKey(first, inc.Number)
		in.Notes = append(slices.Clip(notes), fmt.Sprintf("Follows #%d (%s), opened by the same Alertmanager group.", inc.Number, inc.State))
	}
	return nil, false, fmt.Errorf("alert group %s has opened %d incidents; not declaring more", first, maxEpisodes)
}

// firingIDs names the firing alerts of the group as fingerprint@startsAt, sorted: an
// alert that stops and starts again is a new alert with a new startsAt.
func (h *alertWebhook) firingIDs() []string {
	var ids []string
	for _, a := range h.Alerts {
		if a.Status == "resolved" || a.Fingerprint == "" {
			continue
		}
		id := a.Fingerprint + "@" + a.StartsAt.UTC().Format(time.RFC3339)
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// countedAlerts lists the alerts the webhook's notes say inc counted.
func countedAlerts(inc *mim.Incident) []string {
	var ids []string
	for _, e := range inc.Timeline {
		if e.Kind != mim.KindNote {
			continue
		}
		if list, ok := strings.CutPrefix(e.Text, noteCounted); ok {
			for id := range strings.SplitSeq(list, ", ") {
				ids = append(ids, strings.TrimSpace(id))
			}
		}
	}
	return ids
}

// uncounted is the ids inc has not counted yet.
func uncounted(inc *mim.Incident, ids []string) []string {
	seen := countedAlerts(inc)
	var out []string
	for _, id := range ids {
		if !slices.Contains(seen, id) {
			out = append(out, id)
		}
	}
	return out
}

// alertResolved notes on the group's latest incident that Alertmanager reports its
// alerts resolved, once per report (Alertmanager retries a send that failed). It
// never resolves the incident: a person decides.
func (s *Server) alertResolved(ctx context.Context, hook *alertWebhook) (alertReply, int, error) {
	found, err := s.episode(ctx, alertKey(hook.GroupKey))
	if err != nil {
		return alertReply{}, 0, err
	}
	if found == nil {
		return alertReply{Notes: []string{"No incident was declared for this alert group; nothing to record."}}, 0, nil
	}
	inc, err := s.svc.Incident(ctx, found.Number) // with its timeline, for the last note
	if err != nil {
		return alertReply{}, found.Number, err
	}
	reply := alertReply{Incident: &inc.Number}
	if lastAlertNote(inc) == noteResolved {
		reply.Notes = []string{fmt.Sprintf("Already noted on the timeline of #%d.", inc.Number)}
		return reply, inc.Number, nil
	}
	text := fmt.Sprintf("%s (receiver %s, %d alert(s)).", noteResolved, hook.Receiver, len(hook.Alerts))
	if inc.State.Open() {
		text += fmt.Sprintf(" The incident stays %s until a person resolves it.", inc.State)
	}
	if _, err := s.svc.Note(ctx, inc.Number, s.noteActor(inc), text); err != nil {
		return alertReply{}, inc.Number, fmt.Errorf("note alerts resolved: %w", err)
	}
	reply.Notes = []string{fmt.Sprintf("Noted on the timeline of #%d, which stays %s: a person decides when it is resolved.", inc.Number, inc.State)}
	return reply, inc.Number, nil
}

// episode finds the latest incident of the chain that starts at key, without
// declaring anything; nil when there is none.
func (s *Server) episode(ctx context.Context, key string) (*mim.Incident, error) {
	var latest *mim.Incident
	for k, hops := key, 0; hops < 10000; hops++ { // bounded, so that even bad data cannot loop
		inc, err := s.svc.Store.IncidentByRequestKey(ctx, k)
		if mim.ErrorCode(err) == mim.ENOTFOUND {
			return latest, nil
		}
		if err != nil {
			return nil, fmt.Errorf("find the incident of an alert group: %w", err)
		}
		latest, k = inc, nextKey(key, inc.Number)
	}
	return latest, nil
}

// alertDeclarer is who declares for Alertmanager: the first configured declarer,
// else the SMO member on call, else the bot.
func (s *Server) alertDeclarer() string {
	cfg := s.svc.Config
	if len(cfg.Declarers) > 0 {
		return cfg.Declarers[0]
	}
	if m := cfg.Rotation.OnCall(s.svc.Clock.Now()).Member; m != "" {
		return m
	}
	return mim.Bot
}

// noteActor is who writes the webhook's notes (Service.Note wants someone of the
// incident's team or of the SMO): its IM, else the head of the SMO, else the member
// on call.
func (s *Server) noteActor(inc *mim.Incident) string {
	if inc.IM != "" {
		return inc.IM
	}
	if len(s.svc.Config.Head) > 0 {
		return s.svc.Config.Head[0]
	}
	return s.svc.Config.Rotation.OnCall(s.svc.Clock.Now()).Member
}

// severity maps the `severity` label to impact and urgency. When the firing alerts
// of a group differ, the most severe wins: the one the policy ranks highest.
func (s *Server) severity(hook *alertWebhook) (mim.Level, mim.Level) {
	policy := s.svc.Config.Policy
	best := levels(hook.CommonLabels["severity"])
	for _, a := range hook.Alerts {
		if sev := a.Labels["severity"]; sev != "" && a.Status != "resolved" {
			if lv := levels(sev); policy.Prioritize(lv[0], lv[1]) < policy.Prioritize(best[0], best[1]) {
				best = lv
			}
		}
	}
	return best[0], best[1]
}

// levels is the impact and urgency of an Alertmanager severity.
func levels(severity string) [2]mim.Level {
	switch strings.ToLower(strings.TrimSpace(severity)) {
	case "critical":
		return [2]mim.Level{mim.High, mim.High}
	case "error", "major":
		return [2]mim.Level{mim.High, mim.Medium}
	case "warning":
		return [2]mim.Level{mim.Medium, mim.Medium}
	case "info":
		return [2]mim.Level{mim.Low, mim.Low}
	}
	return [2]mim.Level{mim.Medium, mim.Medium}
}

// lastAlertNote is the text of the last note the webhook wrote on inc, cut to its
// fixed part; "" when there is none.
func lastAlertNote(inc *mim.Incident) string {
	for _, e := range slices.Backward(inc.Timeline) {
		if e.Kind != mim.KindNote || !strings.HasPrefix(e.Text, notePrefix) {
			continue
		}
		for _, fixed := range []string{noteResolved, noteRefiring} {
			if strings.HasPrefix(e.Text, fixed) {
				return fixed
			}
		}
	}
	return ""
}

// firing counts the firing alerts of the group.
func firing(hook *alertWebhook) int {
	n := 0
	for _, a := range hook.Alerts {
		if a.Status != "resolved" {
			n++
		}
	}
	return n
}
