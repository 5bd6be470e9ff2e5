package discordfake

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// Discord JSON error codes used by the fake. They are the numbers Discord
// puts in the "code" field of an error body.
const (
	CodeGeneral                 = 0
	CodeUnknownChannel          = 10003
	CodeUnknownGuild            = 10004
	CodeUnknownMessage          = 10008
	CodeUnknownWebhook          = 10015
	CodeUnknownInteraction      = 10062
	CodeMaxPins                 = 30003
	CodeMaxGuildChannels        = 30013
	CodeMaxApplicationCommands  = 30032
	CodeAlreadyAcknowledged     = 40060
	CodeRequestTooLarge         = 40005
	CodeMissingAccess           = 50001
	CodeCannotEditOthersMessage = 50005
	CodeEmptyMessage            = 50006
	CodeCannotMessageUser       = 50007
	CodeNonTextChannel          = 50008
	CodeMissingPermissions      = 50013
	CodeInvalidWebhookToken     = 50027
	CodeInvalidRecipient        = 50033
	CodeInvalidFormBody         = 50035
	CodeInvalidJSON             = 50109
)

// reply is what a route handler produces: a status and a JSON-encodable body
// (nil means no body).
type reply struct {
	status int
	body   any
	// raw, when set, is written as is with contentType.
	raw         []byte
	contentType string
	// limit, when set, is a rate-limit decision made inside the handler (a
	// sub-limit); its headers replace the route bucket's.
	limit *limitDecision
}

func jsonReply(status int, body any) reply { return reply{status: status, body: body} }

func noContent() reply { return reply{status: http.StatusNoContent} }

// errorBody is Discord's error object.
type errorBody struct {
	Code    int            `json:"code"`
	Message string         `json:"message"`
	Errors  map[string]any `json:"errors,omitempty"`
}

func errReply(status, code int, message string) reply {
	return reply{status: status, body: errorBody{Code: code, Message: message}}
}

func notFound() reply {
	return errReply(http.StatusNotFound, CodeGeneral, "404: Not Found")
}

func methodNotAllowed() reply {
	return errReply(http.StatusMethodNotAllowed, CodeGeneral, "405: Method Not Allowed")
}

func unauthorized() reply {
	return errReply(http.StatusUnauthorized, CodeGeneral, "401: Unauthorized")
}

func unknownChannel() reply {
	return errReply(http.StatusNotFound, CodeUnknownChannel, "Unknown Channel")
}

func unknownMessage() reply {
	return errReply(http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
}

func unknownInteraction() reply {
	return errReply(http.StatusNotFound, CodeUnknownInteraction, "Unknown interaction")
}

func missingAccess() reply {
	return errReply(http.StatusForbidden, CodeMissingAccess, "Missing Access")
}

func missingPermissions() reply {
	return errReply(http.StatusForbidden, CodeMissingPermissions, "Missing Permissions")
}

func emptyMessage() reply {
	return errReply(http.StatusBadRequest, CodeEmptyMessage, "Cannot send an empty message")
}

func invalidJSON() reply {
	return errReply(http.StatusBadRequest, CodeInvalidJSON, "The request body contains invalid JSON.")
}

// formErrors accumulates field errors in Discord's nested "errors" layout:
// {"embeds":{"0":{"title":{"_errors":[{"code":..,"message":..}]}}}}.
type formErrors struct {
	root map[string]any
}

type fieldError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// add records an error at a dotted path such as "embeds.0.title". An empty
// path puts the error at the top level.
func (f *formErrors) add(path, code, message string) {
	if f.root == nil {
		f.root = map[string]any{}
	}
	node := f.root
	if path != "" {
		for _, part := range strings.Split(path, ".") {
			child, ok := node[part].(map[string]any)
			if !ok {
				child = map[string]any{}
				node[part] = child
			}
			node = child
		}
	}
	list, _ := node["_errors"].([]fieldError)
	node["_errors"] = append(list, fieldError{Code: code, Message: message})
}

func (f *formErrors) empty() bool { return len(f.root) == 0 }

func (f *formErrors) reply() reply {
	return reply{status: http.StatusBadRequest, body: errorBody{
		Code: CodeInvalidFormBody, Message: "Invalid Form Body", Errors: f.root,
	}}
}

// Common field error helpers, with Discord's wording.
func (f *formErrors) maxLength(path string, n int) {
	f.add(path, "BASE_TYPE_MAX_LENGTH", "Must be "+strconv.Itoa(n)+" or fewer in length.")
}

func (f *formErrors) badLength(path string, min, max int) {
	f.add(path, "BASE_TYPE_BAD_LENGTH", "Must be between "+strconv.Itoa(min)+" and "+strconv.Itoa(max)+" in length.")
}

func (f *formErrors) required(path string) {
	f.add(path, "BASE_TYPE_REQUIRED", "This field is required")
}

func (f *formErrors) choices(path string, allowed string) {
	f.add(path, "BASE_TYPE_CHOICES", "Value must be one of "+allowed+".")
}

// decodeError turns a JSON decoding error into Discord's answer: invalid JSON
// is 50109, a value of the wrong type is a 50035 field error.
func decodeError(err error, prefix string) reply {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		var f formErrors
		path := typeErr.Field
		if prefix != "" && path != "" {
			path = prefix + "." + path
		} else if prefix != "" {
			path = prefix
		}
		code, msg := "BASE_TYPE_INVALID", "Invalid value."
		switch typeErr.Type.Kind().String() {
		case "string":
			code, msg = "BASE_TYPE_STRING", "Must be a string."
		case "int", "int64", "int32", "uint64":
			code, msg = "NUMBER_TYPE_COERCE", "Value \""+typeErr.Value+"\" is not int."
		case "bool":
			code, msg = "BASE_TYPE_BOOLEAN", "Must be either true or false."
		case "slice":
			code, msg = "BASE_TYPE_ARRAY", "Must be an array."
		case "map", "struct":
			code, msg = "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"
		}
		f.add(path, code, msg)
		return f.reply()
	}
	return invalidJSON()
}

// decodeJSON decodes body into v; an empty body decodes as {}.
func decodeJSON(body []byte, v any) *reply {
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		r := decodeError(err, "")
		return &r
	}
	return nil
}
