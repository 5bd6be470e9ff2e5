package llmfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Error types and codes used by the OpenAI API in error bodies.
const (
	TypeInvalidRequest = "invalid_request_error"
	TypeServerError    = "server_error"
	TypeRequests       = "requests"

	CodeInvalidAPIKey     = "invalid_api_key"
	CodeModelNotFound     = "model_not_found"
	CodeRateLimitExceeded = "rate_limit_exceeded"
)

// APIError is the object inside OpenAI's error body
// {"error":{"message","type","param","code"}}. Empty Param and Code are sent
// as JSON null, as the real API does.
type APIError struct {
	Message string
	Type    string
	Param   string
	Code    string
}

// wireError is APIError as it appears on the wire.
type wireError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// writeAPIError sends e with the given status in OpenAI's error envelope.
func writeAPIError(w http.ResponseWriter, status int, e APIError) {
	writeJSON(w, status, struct {
		Error wireError `json:"error"`
	}{wireError{
		Message: e.Message,
		Type:    e.Type,
		Param:   nullable(e.Param),
		Code:    nullable(e.Code),
	}})
}

// writeJSON encodes v as the response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "llmfake: encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// invalidRequest builds a 400-class error about one request parameter.
func invalidRequest(param, code, format string, args ...any) *APIError {
	return &APIError{
		Message: fmt.Sprintf(format, args...),
		Type:    TypeInvalidRequest,
		Param:   param,
		Code:    code,
	}
}

// defaultError is the error body the real API sends with status when a
// scripted Behaviour does not provide its own.
func defaultError(status int, model string, retryAfter time.Duration) APIError {
	switch status {
	case http.StatusBadRequest:
		return APIError{Message: "llmfake: scripted bad request", Type: TypeInvalidRequest}
	case http.StatusUnauthorized:
		return APIError{Message: "Incorrect API key provided.", Type: TypeInvalidRequest, Code: CodeInvalidAPIKey}
	case http.StatusNotFound:
		return modelNotFound(model)
	case http.StatusTooManyRequests:
		when := "later"
		if retryAfter > 0 {
			when = "in " + retryAfter.String()
		}
		return APIError{
			Message: fmt.Sprintf("Rate limit reached for %s in organization org-llmfake on requests per min (RPM): "+
				"Limit %d, Used %d, Requested 1. Please try again %s.", model, rateLimitRequests, rateLimitRequests, when),
			Type: TypeRequests,
			Code: CodeRateLimitExceeded,
		}
	case http.StatusInternalServerError:
		return APIError{
			Message: "The server had an error while processing your request. Sorry about that!",
			Type:    TypeServerError,
		}
	case http.StatusServiceUnavailable:
		return APIError{
			Message: "The engine is currently overloaded, please try again later.",
			Type:    TypeServerError,
		}
	}
	typ := TypeInvalidRequest
	if status >= http.StatusInternalServerError {
		typ = TypeServerError
	}
	return APIError{Message: http.StatusText(status), Type: typ}
}

func modelNotFound(model string) APIError {
	return APIError{
		Message: fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", model),
		Type:    TypeInvalidRequest,
		Code:    CodeModelNotFound,
	}
}
