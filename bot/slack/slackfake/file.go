package slackfake

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// uploadTTL is how long an upload URL from files.getUploadURLExternal works.
const uploadTTL = 10 * time.Minute

// File is a snapshot of an uploaded file.
type File struct {
	ID       string
	Name     string
	Title    string
	Size     int
	Content  []byte
	Channels []string // conversations it was shared to
	Uploaded bool     // content received (always true for files.upload)
	Complete bool     // shared/finished (files.upload or files.completeUploadExternal)
}

type file struct {
	id, name, title string
	declaredSize    int // length announced to files.getUploadURLExternal
	content         []byte
	uploaded        bool
	complete        bool
	channels        []string
	created         time.Time
}

func (f *file) snapshot() File {
	return File{ID: f.id, Name: f.name, Title: f.title, Size: len(f.content), Content: slices.Clone(f.content),
		Channels: slices.Clone(f.channels), Uploaded: f.uploaded, Complete: f.complete}
}

func (s *Server) fileJSON(f *file) obj {
	return obj{"id": f.id, "created": f.created.Unix(), "timestamp": f.created.Unix(), "name": f.name,
		"title": f.title, "mimetype": mime.TypeByExtension(extOf(f.name)), "filetype": strings.TrimPrefix(extOf(f.name), "."),
		"user": s.opts.BotUserID, "size": len(f.content), "is_external": false, "is_public": false,
		"channels": f.channels}
}

func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

func (s *Server) newFileLocked(name, title string) *file {
	if title == "" {
		title = name
	}
	f := &file{id: s.nextIDLocked("F"), name: name, title: title, created: s.now()}
	s.files[f.id] = f
	s.fileOrder = append(s.fileOrder, f.id)
	return f
}

// shareLocked posts a message carrying the files to each channel. The bot
// must be able to post there.
func (s *Server) shareLocked(channelIDs []string, fs []*file, comment, threadTS string) string {
	var targets []*channel
	for _, id := range channelIDs {
		c := s.resolvePostTargetLocked(id)
		if code := s.canPostLocked(c); code != "" {
			return code
		}
		targets = append(targets, c)
	}
	for _, c := range targets {
		m := s.postLocked(c, content{text: comment}, threadTS, false)
		for _, f := range fs {
			m.files = append(m.files, f.id)
			f.channels = append(f.channels, c.id)
		}
	}
	return ""
}

func splitList(v string) []string {
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// apiFilesUpload implements the legacy files.upload (multipart "file" or a
// "content" argument). Slack has retired this method for real apps; the fake
// keeps it for old callers and flags it with a method_deprecated warning.
func (s *Server) apiFilesUpload(c *apiCall) obj {
	var data []byte
	name := c.p.get("filename")
	if c.form != nil && len(c.form.File["file"]) > 0 {
		fh := c.form.File["file"][0]
		b, err := readFormFile(fh)
		if err != nil {
			return fail("invalid_form_data")
		}
		data = b
		if name == "" {
			name = fh.Filename
		}
	} else if c.p.has("content") {
		data = []byte(c.p.get("content"))
	} else {
		return fail("no_file_data")
	}
	if name == "" {
		name = "file"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.newFileLocked(name, c.p.get("title"))
	f.content, f.declaredSize, f.uploaded, f.complete = data, len(data), true, true
	if chans := splitList(c.p.get("channels")); len(chans) > 0 {
		if code := s.shareLocked(chans, []*file{f}, c.p.get("initial_comment"), c.p.get("thread_ts")); code != "" {
			delete(s.files, f.id)
			s.fileOrder = slices.DeleteFunc(s.fileOrder, func(id string) bool { return id == f.id })
			return fail(code)
		}
	}
	return ok(obj{"file": s.fileJSON(f), "warning": "method_deprecated",
		"response_metadata": obj{"warnings": []string{"method_deprecated"}}})
}

func readFormFile(fh *multipart.FileHeader) ([]byte, error) {
	r, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// apiFilesGetUploadURLExternal implements files.getUploadURLExternal.
func (s *Server) apiFilesGetUploadURLExternal(c *apiCall) obj {
	name := c.p.get("filename")
	length, err := strconv.Atoi(c.p.get("length"))
	switch {
	case name == "":
		return failWith("invalid_arguments", "[ERROR] missing required field: filename")
	case err != nil || length <= 0:
		return failWith("invalid_arguments", "[ERROR] missing required field: length")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.newFileLocked(name, "")
	f.declaredSize = length
	path := "/upload/v1/" + f.id + "/" + randomHex(12)
	s.uploads[path] = f.id
	return ok(obj{"upload_url": c.base + path, "file_id": f.id})
}

// serveUpload receives the bytes POSTed to an upload URL, raw or as a
// multipart "file" field, and answers "OK - <size>" like Slack's file edge.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var data []byte
	var err error
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		var fh *multipart.FileHeader
		if err = r.ParseMultipartForm(maxBody); err == nil {
			if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 {
				fh = fhs[0]
			}
			defer func() { _ = r.MultipartForm.RemoveAll() }()
		}
		if fh == nil {
			http.Error(w, "missing file", http.StatusBadRequest)
			return
		}
		data, err = readFormFile(fh)
	} else {
		data, err = io.ReadAll(io.LimitReader(r.Body, maxBody))
	}
	if err != nil {
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[s.uploads[r.URL.Path]]
	if f == nil || f.uploaded || s.now().Sub(f.created) > uploadTTL {
		http.Error(w, "upload URL unknown, used or expired", http.StatusNotFound)
		return
	}
	f.content, f.uploaded = data, true
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "OK - "+strconv.Itoa(len(data)))
}

// apiFilesCompleteUploadExternal implements files.completeUploadExternal:
// every file must have been uploaded, and is shared to channel_id/channels.
func (s *Server) apiFilesCompleteUploadExternal(c *apiCall) obj {
	var refs []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(c.p.get("files")), &refs); err != nil || len(refs) == 0 {
		return failWith("invalid_arguments", "[ERROR] missing required field: files")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var fs []*file
	for _, ref := range refs {
		f := s.files[ref.ID]
		if f == nil || !f.uploaded || f.complete {
			return fail("file_not_found")
		}
		fs = append(fs, f)
	}
	chans := splitList(c.p.get("channels"))
	if id := c.p.get("channel_id"); id != "" {
		chans = append([]string{id}, chans...)
	}
	if len(chans) > 0 {
		comment := c.p.get("initial_comment")
		if code := s.shareLocked(chans, fs, comment, c.p.get("thread_ts")); code != "" {
			return fail(code)
		}
	}
	out := make([]obj, 0, len(fs))
	for i, f := range fs {
		if refs[i].Title != "" {
			f.title = refs[i].Title
		}
		f.complete = true
		out = append(out, obj{"id": f.id, "title": f.title})
	}
	return ok(obj{"files": out})
}

// Files returns every file created, in order.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.fileOrder))
	for _, id := range s.fileOrder {
		out = append(out, s.files[id].snapshot())
	}
	return out
}
