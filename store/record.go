package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"mimbot/mim"
)

// incidentRecord is the stored JSON document of an incident. Its tags are the
// stored format: never rename one. A field added to mim.Incident gets a new tag here
// (TestFixtureSetsEveryField fails until it does); a field removed from mim.Incident
// leaves its tag unused rather than reused with another meaning.
//
// The fields kept in columns (Number, RequestKey, State, Priority, Major, DeclaredAt,
// ResolvedAt, ClosedAt) and the Timeline are not here: backends keep them in
// columns and a table of their own, for SQL to filter, sort and keep unique on.
type incidentRecord struct {
	Title       string          `json:"title,omitempty"`
	Impact      string          `json:"impact,omitempty"`
	Urgency     string          `json:"urgency,omitempty"`
	Towers      []string        `json:"towers,omitempty"`
	Model       string          `json:"model,omitempty"`
	DeclaredBy  string          `json:"declared_by,omitempty"`
	Source      string          `json:"source,omitempty"`
	Description string          `json:"description,omitempty"`
	Platforms   []string        `json:"platforms,omitempty"`
	IM          string          `json:"incident_manager,omitempty"`
	Comms       string          `json:"comms,omitempty"`
	Owner       string          `json:"owner,omitempty"`
	Pages       []pageRecord    `json:"pages,omitempty"`
	WarRooms    []warRoomRecord `json:"war_rooms,omitempty"`
	RoomName    string          `json:"room_name,omitempty"`
	Bridge      string          `json:"bridge,omitempty"`
	Diagnosis   string          `json:"diagnosis,omitempty"`
	Workaround  string          `json:"workaround,omitempty"`
	Resolution  string          `json:"resolution,omitempty"`
	Tasks       []taskRecord    `json:"tasks,omitempty"`
	Problem     *problemRecord  `json:"problem,omitempty"`
	Summary     *summaryRecord  `json:"summary,omitempty"`
	Similar     []similarRecord `json:"similar,omitempty"`

	IMAssignedAt  time.Time `json:"im_assigned_at,omitzero"`
	RespondedAt   time.Time `json:"responded_at,omitzero"`
	FirstUpdateAt time.Time `json:"first_update_at,omitzero"`
	LastUpdateAt  time.Time `json:"last_update_at,omitzero"`
	MitigatedAt   time.Time `json:"mitigated_at,omitzero"`
	NextUpdateDue time.Time `json:"next_update_due,omitzero"`
	SnoozedUntil  time.Time `json:"snoozed_until,omitzero"`
	ConfirmedAt   time.Time `json:"confirmed_at,omitzero"`
	ResolveDue    time.Time `json:"resolve_due,omitzero"`

	Updates updateTallyRecord `json:"updates,omitzero"`
}

// updateTallyRecord is mim.UpdateTally. The trend report reads it with the
// database's JSON operators (updates.on_time...), so its tags are a query contract too.
type updateTallyRecord struct {
	OnTime int `json:"on_time,omitempty"`
	Late   int `json:"late,omitempty"`
	Missed int `json:"missed,omitempty"`
}

type pageRecord struct {
	Person   string    `json:"person"`
	Tower    string    `json:"tower,omitempty"`
	Level    int       `json:"level,omitempty"`
	PagedAt  time.Time `json:"paged_at,omitzero"`
	AckedAt  time.Time `json:"acked_at,omitzero"`
	Replaced bool      `json:"replaced,omitempty"`
}

type warRoomRecord struct {
	Platform string `json:"platform"`
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	Ready    bool   `json:"ready,omitempty"`
	Card     string `json:"card,omitempty"`
	Voice    string `json:"voice,omitempty"`
}

type taskRecord struct {
	N       int       `json:"n"`
	Text    string    `json:"text"`
	Owner   string    `json:"owner,omitempty"`
	Done    bool      `json:"done,omitempty"`
	AddedBy string    `json:"added_by,omitempty"`
	DoneBy  string    `json:"done_by,omitempty"`
	DoneAt  time.Time `json:"done_at,omitzero"`
}

type problemRecord struct {
	Ref       string    `json:"ref"`
	Owner     string    `json:"owner,omitempty"`
	Due       time.Time `json:"due,omitzero"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

type similarRecord struct {
	Kind       string    `json:"kind"`
	Number     int       `json:"number"`
	Title      string    `json:"title,omitempty"`
	Workaround string    `json:"workaround,omitempty"`
	Towers     []string  `json:"towers,omitempty"`
	At         time.Time `json:"at,omitzero"`
	TookMS     int64     `json:"took_ms,omitempty"`
	Matched    int       `json:"matched,omitempty"`
}

type summaryRecord struct {
	Markdown   string       `json:"markdown,omitempty"`
	SVG        string       `json:"svg,omitempty"`
	Draft      *draftRecord `json:"draft,omitempty"`
	DraftNote  string       `json:"draft_note,omitempty"`
	ApprovedBy string       `json:"approved_by,omitempty"`
	ApprovedAt time.Time    `json:"approved_at,omitzero"`
	CreatedAt  time.Time    `json:"created_at,omitzero"`
}

type draftRecord struct {
	Narrative []statementRecord `json:"narrative,omitempty"`
	Factors   []statementRecord `json:"contributing_factors,omitempty"`
	Questions []statementRecord `json:"rca_questions,omitempty"`
	Actions   []statementRecord `json:"action_items,omitempty"`
	Model     string            `json:"model,omitempty"`
}

type statementRecord struct {
	Text  string `json:"text"`
	Cites []int  `json:"cites,omitempty"`
}

// EncodeIncident returns the JSON document stored for inc: every field but the
// Timeline and those the backend keeps in columns (Number, RequestKey, State,
// Priority, Major, DeclaredAt, ResolvedAt, ClosedAt). Times are stored as Truncate
// returns them.
func EncodeIncident(inc *mim.Incident) ([]byte, error) {
	r := incidentRecord{
		Title:         inc.Title,
		Impact:        string(inc.Impact),
		Urgency:       string(inc.Urgency),
		Towers:        inc.Towers,
		Model:         inc.Model,
		DeclaredBy:    inc.DeclaredBy,
		Source:        inc.Source,
		Description:   inc.Description,
		Platforms:     inc.Platforms,
		IM:            inc.IM,
		Comms:         inc.Comms,
		Owner:         inc.Owner,
		RoomName:      inc.RoomName,
		Bridge:        inc.Bridge,
		Diagnosis:     inc.Diagnosis,
		Workaround:    inc.Workaround,
		Resolution:    inc.Resolution,
		IMAssignedAt:  Truncate(inc.IMAssignedAt),
		RespondedAt:   Truncate(inc.RespondedAt),
		FirstUpdateAt: Truncate(inc.FirstUpdateAt),
		LastUpdateAt:  Truncate(inc.LastUpdateAt),
		MitigatedAt:   Truncate(inc.MitigatedAt),
		NextUpdateDue: Truncate(inc.NextUpdateDue),
		SnoozedUntil:  Truncate(inc.SnoozedUntil),
		ConfirmedAt:   Truncate(inc.ConfirmedAt),
		ResolveDue:    Truncate(inc.ResolveDue),
		Updates:       updateTallyRecord(inc.Updates),
	}
	r.Pages = pageRecords(inc.Pages)
	for _, w := range inc.WarRooms {
		r.WarRooms = append(r.WarRooms, warRoomRecord(w))
	}
	for _, t := range inc.Tasks {
		r.Tasks = append(r.Tasks, taskRecord{
			N:       t.N,
			Text:    t.Text,
			Owner:   t.Owner,
			Done:    t.Done,
			AddedBy: t.AddedBy,
			DoneBy:  t.DoneBy,
			DoneAt:  Truncate(t.DoneAt),
		})
	}
	if p := inc.Problem; p != nil {
		r.Problem = &problemRecord{Ref: p.Ref, Owner: p.Owner, Due: Truncate(p.Due), CreatedAt: Truncate(p.CreatedAt)}
	}
	if sd := inc.Summary; sd != nil {
		r.Summary = &summaryRecord{
			Markdown:   sd.Markdown,
			SVG:        sd.SVG,
			DraftNote:  sd.DraftNote,
			ApprovedBy: sd.ApprovedBy,
			ApprovedAt: Truncate(sd.ApprovedAt),
			CreatedAt:  Truncate(sd.CreatedAt),
		}
		if d := sd.Draft; d != nil {
			r.Summary.Draft = &draftRecord{
				Narrative: encodeStatements(d.Narrative),
				Factors:   encodeStatements(d.Factors),
				Questions: encodeStatements(d.Questions),
				Actions:   encodeStatements(d.Actions),
				Model:     d.Model,
			}
		}
	}
	for _, sim := range inc.Similar {
		r.Similar = append(r.Similar, similarRecord{
			Kind:       string(sim.Kind),
			Number:     sim.Number,
			Title:      sim.Title,
			Workaround: sim.Workaround,
			Towers:     sim.Towers,
			At:         Truncate(sim.At),
			TookMS:     sim.Took.Milliseconds(),
			Matched:    sim.Matched,
		})
	}
	// Unescaped <, > and &: summaries hold Markdown, SVG and mentions, and the
	// document should read as it is in a plain SELECT.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode incident %d: %w", inc.Number, err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// DecodeIncident sets the fields of inc that EncodeIncident stored in data. It leaves
// the column fields and the Timeline as they are: the backend sets them. Times come
// back in UTC.
func DecodeIncident(data []byte, inc *mim.Incident) error {
	r, err := unmarshalIncident(data, inc.Number)
	if err != nil {
		return err
	}
	r.apply(inc)
	return nil
}

// unmarshalIncident parses the document of incident number.
func unmarshalIncident(data []byte, number int) (*incidentRecord, error) {
	r := &incidentRecord{}
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("decode incident %d: %w", number, err)
	}
	return r, nil
}

// apply sets inc's document fields from r. Nothing of inc shares memory with r, so
// one record may be applied to many incidents (the document cache) and each of them
// changed freely.
func (r *incidentRecord) apply(inc *mim.Incident) {
	inc.Title = r.Title
	inc.Impact = mim.Level(r.Impact)
	inc.Urgency = mim.Level(r.Urgency)
	inc.Towers = slices.Clone(r.Towers)
	inc.Model = r.Model
	inc.DeclaredBy = r.DeclaredBy
	inc.Source = r.Source
	inc.Description = r.Description
	inc.Platforms = slices.Clone(r.Platforms)
	inc.IM = r.IM
	inc.Comms = r.Comms
	inc.Owner = r.Owner
	inc.RoomName = r.RoomName
	inc.Bridge = r.Bridge
	inc.Diagnosis = r.Diagnosis
	inc.Workaround = r.Workaround
	inc.Resolution = r.Resolution
	inc.IMAssignedAt = utc(r.IMAssignedAt)
	inc.RespondedAt = utc(r.RespondedAt)
	inc.FirstUpdateAt = utc(r.FirstUpdateAt)
	inc.LastUpdateAt = utc(r.LastUpdateAt)
	inc.MitigatedAt = utc(r.MitigatedAt)
	inc.NextUpdateDue = utc(r.NextUpdateDue)
	inc.SnoozedUntil = utc(r.SnoozedUntil)
	inc.ConfirmedAt = utc(r.ConfirmedAt)
	inc.ResolveDue = utc(r.ResolveDue)
	inc.Updates = mim.UpdateTally(r.Updates)
	inc.Pages = nil
	for _, p := range r.Pages {
		inc.Pages = append(inc.Pages, mim.Page{
			Person:   p.Person,
			Tower:    p.Tower,
			Level:    p.Level,
			PagedAt:  utc(p.PagedAt),
			AckedAt:  utc(p.AckedAt),
			Replaced: p.Replaced,
		})
	}
	inc.WarRooms = nil
	for _, w := range r.WarRooms {
		inc.WarRooms = append(inc.WarRooms, mim.WarRoom(w))
	}
	inc.Tasks = nil
	for _, t := range r.Tasks {
		inc.Tasks = append(inc.Tasks, mim.Task{
			N:       t.N,
			Text:    t.Text,
			Owner:   t.Owner,
			Done:    t.Done,
			AddedBy: t.AddedBy,
			DoneBy:  t.DoneBy,
			DoneAt:  utc(t.DoneAt),
		})
	}
	inc.Problem = nil
	if p := r.Problem; p != nil {
		inc.Problem = &mim.Problem{Ref: p.Ref, Owner: p.Owner, Due: utc(p.Due), CreatedAt: utc(p.CreatedAt)}
	}
	inc.Summary = nil
	if sd := r.Summary; sd != nil {
		inc.Summary = &mim.SummaryDoc{
			Markdown:   sd.Markdown,
			SVG:        sd.SVG,
			DraftNote:  sd.DraftNote,
			ApprovedBy: sd.ApprovedBy,
			ApprovedAt: utc(sd.ApprovedAt),
			CreatedAt:  utc(sd.CreatedAt),
		}
		if d := sd.Draft; d != nil {
			inc.Summary.Draft = &mim.Draft{
				Narrative: decodeStatements(d.Narrative),
				Factors:   decodeStatements(d.Factors),
				Questions: decodeStatements(d.Questions),
				Actions:   decodeStatements(d.Actions),
				Model:     d.Model,
			}
		}
	}
	inc.Similar = nil
	for _, sim := range r.Similar {
		inc.Similar = append(inc.Similar, mim.Similar{
			Kind:       mim.SimilarKind(sim.Kind),
			Number:     sim.Number,
			Title:      sim.Title,
			Workaround: sim.Workaround,
			Towers:     slices.Clone(sim.Towers),
			At:         utc(sim.At),
			Took:       time.Duration(sim.TookMS) * time.Millisecond,
			Matched:    sim.Matched,
		})
	}
}

func encodeStatements(in []mim.Statement) []statementRecord {
	var out []statementRecord
	for _, st := range in {
		out = append(out, statementRecord{Text: st.Text, Cites: st.Cites})
	}
	return out
}

func decodeStatements(in []statementRecord) []mim.Statement {
	var out []mim.Statement
	for _, st := range in {
		out = append(out, mim.Statement{Text: st.Text, Cites: slices.Clone(st.Cites)})
	}
	return out
}

// utc returns t in UTC; documents written with another offset (by hand, or by a
// future encoder) still decode to the form backends promise.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// pageRecords are the stored form of an incident's pages (data and the trend column).
func pageRecords(pages []mim.Page) []pageRecord {
	var out []pageRecord
	for _, p := range pages {
		out = append(out, pageRecord{
			Person:   p.Person,
			Tower:    p.Tower,
			Level:    p.Level,
			PagedAt:  Truncate(p.PagedAt),
			AckedAt:  Truncate(p.AckedAt),
			Replaced: p.Replaced,
		})
	}
	return out
}
