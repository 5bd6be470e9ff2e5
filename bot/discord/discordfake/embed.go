package discordfake

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"
)

// Embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
const (
	maxEmbeds           = 10
	maxEmbedTitle       = 256
	maxEmbedDescription = 4096
	maxEmbedFields      = 25
	maxEmbedFieldName   = 256
	maxEmbedFieldValue  = 1024
	maxEmbedFooter      = 2048
	maxEmbedAuthor      = 256
	maxEmbedTotal       = 6000
	maxEmbedURL         = 2048
)

type embedIn struct {
	Title       *string  `json:"title"`
	Description *string  `json:"description"`
	URL         *string  `json:"url"`
	Timestamp   *string  `json:"timestamp"`
	Color       *float64 `json:"color"`
	Footer      *struct {
		Text    *string `json:"text"`
		IconURL *string `json:"icon_url"`
	} `json:"footer"`
	Author *struct {
		Name    *string `json:"name"`
		URL     *string `json:"url"`
		IconURL *string `json:"icon_url"`
	} `json:"author"`
	Fields []struct {
		Name   *string `json:"name"`
		Value  *string `json:"value"`
		Inline *bool   `json:"inline"`
	} `json:"fields"`
	Image *struct {
		URL *string `json:"url"`
	} `json:"image"`
	Thumbnail *struct {
		URL *string `json:"url"`
	} `json:"thumbnail"`
}

func runes(p *string) int {
	if p == nil {
		return 0
	}
	return utf8.RuneCountInString(*p)
}

// validateEmbeds checks an embeds array and returns it compacted ("[]" for
// null).
func validateEmbeds(raw json.RawMessage, f *formErrors) json.RawMessage {
	if isNull(raw) {
		return json.RawMessage("[]")
	}
	var embeds []embedIn
	if err := json.Unmarshal(raw, &embeds); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			f.add("embeds."+typeErr.Field, "BASE_TYPE_INVALID", "Invalid value.")
		} else {
			f.add("embeds", "BASE_TYPE_ARRAY", "Must be an array.")
		}
		return nil
	}
	if len(embeds) > maxEmbeds {
		f.maxLength("embeds", maxEmbeds)
		return nil
	}
	total := 0
	for i, e := range embeds {
		p := "embeds." + strconv.Itoa(i)
		checkLen := func(field string, s *string, max int) {
			if runes(s) > max {
				f.maxLength(p+"."+field, max)
			}
		}
		checkURL := func(field string, s *string, attachment bool) {
			if s == nil {
				return
			}
			if runes(s) > maxEmbedURL {
				f.maxLength(p+"."+field, maxEmbedURL)
				return
			}
			u, err := url.Parse(*s)
			ok := err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https")
			if attachment && err == nil && u.Scheme == "attachment" {
				ok = true
			}
			if !ok {
				f.add(p+"."+field, "URL_TYPE_INVALID_URL", "Not a well formed URL.")
			}
		}
		checkLen("title", e.Title, maxEmbedTitle)
		checkLen("description", e.Description, maxEmbedDescription)
		checkURL("url", e.URL, false)
		total += runes(e.Title) + runes(e.Description)
		if e.Color != nil && (*e.Color < 0 || *e.Color > 0xFFFFFF || *e.Color != float64(int64(*e.Color))) {
			f.add(p+".color", "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.")
		}
		if e.Timestamp != nil {
			if _, err := time.Parse(time.RFC3339, *e.Timestamp); err != nil {
				f.add(p+".timestamp", "DATE_TIME_TYPE_PARSE", "Could not parse "+*e.Timestamp+". Should be ISO8601.")
			}
		}
		if e.Footer != nil {
			checkLen("footer.text", e.Footer.Text, maxEmbedFooter)
			checkURL("footer.icon_url", e.Footer.IconURL, true)
			total += runes(e.Footer.Text)
		}
		if e.Author != nil {
			checkLen("author.name", e.Author.Name, maxEmbedAuthor)
			checkURL("author.url", e.Author.URL, false)
			checkURL("author.icon_url", e.Author.IconURL, true)
			total += runes(e.Author.Name)
		}
		if e.Image != nil {
			checkURL("image.url", e.Image.URL, true)
		}
		if e.Thumbnail != nil {
			checkURL("thumbnail.url", e.Thumbnail.URL, true)
		}
		if len(e.Fields) > maxEmbedFields {
			f.maxLength(p+".fields", maxEmbedFields)
		}
		for j, fl := range e.Fields {
			fp := "fields." + strconv.Itoa(j)
			if fl.Name == nil || *fl.Name == "" {
				f.required(p + "." + fp + ".name")
			} else {
				checkLen(fp+".name", fl.Name, maxEmbedFieldName)
			}
			if fl.Value == nil || *fl.Value == "" {
				f.required(p + "." + fp + ".value")
			} else {
				checkLen(fp+".value", fl.Value, maxEmbedFieldValue)
			}
			total += runes(fl.Name) + runes(fl.Value)
		}
	}
	if total > maxEmbedTotal {
		f.add("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
	}
	return compactJSON(raw)
}

// embedCount returns the number of embeds in a compact array.
func embedCount(raw json.RawMessage) int {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return 0
	}
	return len(list)
}
