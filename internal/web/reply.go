package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"mimbot/mim"
)

// problem is the JSON body of every error the API answers: {"error": "..."}, a
// sentence that says what is wrong and, where it can, what would work.
type problem struct {
	Error string `json:"error"`
}

// writeJSON answers v as JSON with code.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, code int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		s.log.Error("encode JSON reply", "route", r.Pattern, "err", err)
		code, body = http.StatusInternalServerError, []byte(`{"error": "Something went wrong on our side; nothing was changed."}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(append(body, '\n'))
}

// fail answers a JSON error.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, msg string) {
	s.writeJSON(w, r, code, problem{Error: msg})
}

// failService answers an error of the service or the store: a domain error with its
// message and the status its code calls for, anything else as a 500 that reveals
// nothing (the log has it). incident is 0 when the request names none.
func (s *Server) failService(w http.ResponseWriter, r *http.Request, incident int, err error) {
	code, retry := statusOf(err)
	if code >= 500 {
		s.log.Error("request failed", "route", r.Pattern, "incident", incident, "err", err)
	}
	if retry {
		w.Header().Set("Retry-After", "5")
	}
	msg := mim.ErrorMessage(err)
	if code == http.StatusServiceUnavailable && mim.ErrorCode(err) != mim.EUNAVAILABLE {
		msg = "mimbot did not finish in time. Try again in a few seconds; repeating the same request is safe."
	}
	s.fail(w, r, code, msg)
}

// statusOf maps an error to an HTTP status, and tells whether the client should
// retry after a pause.
func statusOf(err error) (code int, retry bool) {
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusServiceUnavailable, true // our own timeout: the store is slow
	}
	switch mim.ErrorCode(err) {
	case mim.EUNAVAILABLE:
		return http.StatusServiceUnavailable, true
	case mim.EINVALID:
		return http.StatusBadRequest, false
	case mim.ENOTFOUND:
		return http.StatusNotFound, false
	case mim.EFORBIDDEN:
		return http.StatusForbidden, false
	case mim.ECONFLICT:
		return http.StatusConflict, false
	}
	return http.StatusInternalServerError, false
}
