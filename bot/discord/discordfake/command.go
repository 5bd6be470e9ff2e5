package discordfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Application command types.
const (
	CommandChatInput = 1
	CommandUser      = 2
	CommandMessage   = 3
)

// Application command limits.
const (
	maxBulkCommands      = 130
	maxChatInputCommands = 100
	maxContextCommands   = 15
	maxCommandOptions    = 25
	maxCommandChoices    = 25
	maxCommandSize       = 8000
)

// Command is a registered application command.
type Command struct {
	ID            string
	ApplicationID string
	// GuildID is empty for a global command.
	GuildID     string
	Version     string
	Type        int
	Name        string
	Description string
	// Options is the options array as submitted (nil when none).
	Options json.RawMessage
	// DefaultMemberPermissions is the permission string, "" for null.
	DefaultMemberPermissions string
	// Raw is the command object as last submitted.
	Raw json.RawMessage

	canon string
}

func (c Command) clone() Command {
	c.Options = append(json.RawMessage(nil), c.Options...)
	c.Raw = append(json.RawMessage(nil), c.Raw...)
	return c
}

// Commands returns the registered guild and global commands.
func (s *Server) Commands() []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Command
	for _, scope := range []string{s.opts.GuildID, ""} {
		for _, c := range s.commands[scope] {
			out = append(out, c.clone())
		}
	}
	return out
}

// findCommand looks a command up by type and name, guild commands first.
// Caller holds s.mu.
func (s *Server) findCommand(name string, typ int) *Command {
	for _, scope := range []string{s.opts.GuildID, ""} {
		for _, c := range s.commands[scope] {
			if c.Name == name && (typ == 0 || c.Type == typ) {
				return c
			}
		}
	}
	return nil
}

type commandIn struct {
	ID                       json.RawMessage   `json:"id"`
	Type                     *int              `json:"type"`
	Name                     *string           `json:"name"`
	Description              *string           `json:"description"`
	Options                  []optionIn        `json:"options"`
	DefaultMemberPermissions json.RawMessage   `json:"default_member_permissions"`
	DMPermission             *bool             `json:"dm_permission"`
	NSFW                     *bool             `json:"nsfw"`
	Contexts                 json.RawMessage   `json:"contexts"`
	IntegrationTypes         json.RawMessage   `json:"integration_types"`
	NameLocalizations        map[string]string `json:"name_localizations"`
	DescriptionLocalizations map[string]string `json:"description_localizations"`
}

type optionIn struct {
	Type         int        `json:"type"`
	Name         *string    `json:"name"`
	Description  *string    `json:"description"`
	Required     *bool      `json:"required"`
	Autocomplete *bool      `json:"autocomplete"`
	Choices      []choiceIn `json:"choices"`
	Options      []optionIn `json:"options"`
	ChannelTypes []int      `json:"channel_types"`
	MinLength    *int       `json:"min_length"`
	MaxLength    *int       `json:"max_length"`
}

type choiceIn struct {
	Name  *string         `json:"name"`
	Value json.RawMessage `json:"value"`
}

// validCommandName applies Discord's naming rule: chat-input names match
// ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$ and are lowercase; user and
// message command names are 1-32 characters of anything.
func validCommandName(name string, chatInput bool) bool {
	n := utf8.RuneCountInString(name)
	if n < 1 || n > 32 {
		return false
	}
	if !chatInput {
		return true
	}
	for _, r := range name {
		ok := r == '-' || r == '_' || r == '\'' || unicode.IsLetter(r) || unicode.IsNumber(r) ||
			unicode.Is(unicode.Devanagari, r) || unicode.Is(unicode.Thai, r)
		if !ok || unicode.ToLower(r) != r {
			return false
		}
	}
	return true
}

// checkDescription validates a 1-100 character description.
func checkDescription(d *string, path string, f *formErrors) int {
	if d == nil || *d == "" {
		f.badLength(path, 1, 100)
		return 0
	}
	n := utf8.RuneCountInString(*d)
	if n > 100 {
		f.badLength(path, 1, 100)
	}
	return n
}

// validateOptions checks an options array; depth 0 is the command's own
// options. It returns the characters the options add to the command's size.
func validateOptions(opts []optionIn, path string, depth int, f *formErrors) int {
	if len(opts) > maxCommandOptions {
		f.maxLength(path, maxCommandOptions)
		return 0
	}
	size := 0
	names := map[string]bool{}
	sub, plain, optionalSeen := false, false, false
	for i, o := range opts {
		p := path + "." + strconv.Itoa(i)
		if o.Type < 1 || o.Type > 11 {
			f.choices(p+".type", "(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)")
			continue
		}
		if o.Name == nil || !validCommandName(*o.Name, true) {
			f.add(p+".name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
		} else if names[*o.Name] {
			f.add(p+".name", "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique")
		} else {
			names[*o.Name] = true
			size += utf8.RuneCountInString(*o.Name)
		}
		size += checkDescription(o.Description, p+".description", f)
		isSub := o.Type == 1 || o.Type == 2
		if isSub {
			sub = true
			switch {
			case o.Type == 2 && depth > 0:
				f.add(p+".type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommand groups can only be top-level options")
			case o.Type == 1 && depth > 1:
				f.add(p+".type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommands cannot be nested this deep")
			}
			for j, child := range o.Options {
				if o.Type == 2 && child.Type != 1 {
					f.add(p+".options."+strconv.Itoa(j)+".type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommand groups may only contain subcommands")
				}
			}
			size += validateOptions(o.Options, p+".options", depth+1, f)
			continue
		}
		plain = true
		required := o.Required != nil && *o.Required
		if required && optionalSeen {
			f.add(p+".required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
		}
		if !required {
			optionalSeen = true
		}
		size += validateChoices(o, p, f)
		if (o.MinLength != nil || o.MaxLength != nil) && o.Type != 3 {
			f.add(p+".min_length", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Only string options can have length limits")
		}
		if o.MinLength != nil && (*o.MinLength < 0 || *o.MinLength > 6000) {
			f.add(p+".min_length", "NUMBER_TYPE_MAX", "Must be between 0 and 6000.")
		}
		if o.MaxLength != nil && (*o.MaxLength < 1 || *o.MaxLength > 6000) {
			f.add(p+".max_length", "NUMBER_TYPE_MAX", "Must be between 1 and 6000.")
		}
		if len(o.ChannelTypes) > 0 && o.Type != 7 {
			f.add(p+".channel_types", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Only channel options can have channel types")
		}
	}
	if sub && plain {
		f.add(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Sub-command and sub-command group option types are mutually exclusive to all other types")
	}
	return size
}

func validateChoices(o optionIn, p string, f *formErrors) int {
	if len(o.Choices) == 0 {
		return 0
	}
	if o.Type != 3 && o.Type != 4 && o.Type != 10 {
		f.add(p+".choices", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Only string, integer and number options can have choices")
		return 0
	}
	if o.Autocomplete != nil && *o.Autocomplete {
		f.add(p+".autocomplete", "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID", "Autocomplete cannot be set on options with choices")
	}
	if len(o.Choices) > maxCommandChoices {
		f.maxLength(p+".choices", maxCommandChoices)
		return 0
	}
	size := 0
	for j, c := range o.Choices {
		cp := p + ".choices." + strconv.Itoa(j)
		if c.Name == nil || *c.Name == "" || utf8.RuneCountInString(*c.Name) > 100 {
			f.badLength(cp+".name", 1, 100)
		} else {
			size += utf8.RuneCountInString(*c.Name)
		}
		if o.Type == 3 {
			var v string
			if err := json.Unmarshal(c.Value, &v); err != nil {
				f.add(cp+".value", "BASE_TYPE_STRING", "Must be a string.")
			} else if n := utf8.RuneCountInString(v); n < 1 || n > 100 {
				f.badLength(cp+".value", 1, 100)
			} else {
				size += n
			}
		} else {
			var v float64
			if err := json.Unmarshal(c.Value, &v); err != nil || (o.Type == 4 && v != float64(int64(v))) {
				f.add(cp+".value", "NUMBER_TYPE_COERCE", "Value is not a valid number.")
			}
		}
	}
	return size
}

// canonicalJSON re-encodes v with sorted keys so equal commands compare
// equal.
func canonicalJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return string(b)
	}
	b, _ = json.Marshal(generic)
	return string(b)
}

func (s *Server) commandJSON(c *Command) map[string]any {
	var perms any
	if c.DefaultMemberPermissions != "" {
		perms = c.DefaultMemberPermissions
	}
	m := map[string]any{
		"id": c.ID, "application_id": c.ApplicationID, "version": c.Version, "type": c.Type,
		"name": c.Name, "description": c.Description, "default_member_permissions": perms,
		"nsfw": false, "integration_types": []int{0}, "contexts": nil,
		"name_localizations": nil, "description_localizations": nil,
	}
	if c.GuildID != "" {
		m["guild_id"] = c.GuildID
	} else {
		m["dm_permission"] = true
	}
	if len(c.Options) > 0 && !isNull(c.Options) {
		m["options"] = c.Options
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(c.Raw, &raw) == nil {
		if v, ok := raw["nsfw"]; ok && !isNull(v) {
			m["nsfw"] = v
		}
		if v, ok := raw["contexts"]; ok {
			m["contexts"] = v
		}
	}
	return m
}

// commandScope checks the application and guild in the path and returns the
// storage scope ("" for global commands).
func (s *Server) commandScope(q *request) (string, *reply) {
	if q.param("application_id") != s.opts.ApplicationID {
		r := missingAccess()
		return "", &r
	}
	g, guild := q.params["guild_id"]
	if !guild {
		return "", nil
	}
	if g != s.opts.GuildID {
		r := missingAccess()
		return "", &r
	}
	return g, nil
}

func (s *Server) listCommands(q *request) reply {
	scope, r := s.commandScope(q)
	if r != nil {
		return *r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []any{}
	for _, c := range s.commands[scope] {
		out = append(out, s.commandJSON(c))
	}
	return jsonReply(http.StatusOK, out)
}

// overwriteCommands serves the bulk overwrite: the submitted list replaces
// the scope's commands. A command keeping its name and type keeps its id; its
// version changes only if its definition changed.
func (s *Server) overwriteCommands(q *request) reply {
	scope, r := s.commandScope(q)
	if r != nil {
		return *r
	}
	var raws []json.RawMessage
	if r := decodeJSON(q.body, &raws); r != nil {
		return *r
	}
	var f formErrors
	if len(raws) > maxBulkCommands {
		f.maxLength("", maxBulkCommands)
		return f.reply()
	}
	type parsed struct {
		in  commandIn
		raw json.RawMessage
		typ int
	}
	var list []parsed
	seen := map[string]bool{}
	counts := map[int]int{}
	for i, raw := range raws {
		p := strconv.Itoa(i)
		var in commandIn
		if err := json.Unmarshal(raw, &in); err != nil {
			f.add(p, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
			continue
		}
		typ := CommandChatInput
		if in.Type != nil {
			typ = *in.Type
		}
		if typ < 1 || typ > 3 {
			f.choices(p+".type", "(1, 2, 3)")
			continue
		}
		size := 0
		if in.Name == nil || !validCommandName(*in.Name, typ == CommandChatInput) {
			f.add(p+".name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
		} else {
			key := strconv.Itoa(typ) + "|" + *in.Name
			if seen[key] {
				f.add(p+".name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
			}
			seen[key] = true
			size += utf8.RuneCountInString(*in.Name)
		}
		if typ == CommandChatInput {
			size += checkDescription(in.Description, p+".description", &f)
			size += validateOptions(in.Options, p+".options", 0, &f)
		} else {
			if in.Description != nil && *in.Description != "" {
				f.add(p+".description", "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION", "Context menu commands cannot have description")
			}
			if len(in.Options) > 0 {
				f.add(p+".options", "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS", "Context menu commands cannot have options")
			}
		}
		if _, ok := parsePermissionValue(in.DefaultMemberPermissions); !ok {
			f.add(p+".default_member_permissions", "NUMBER_TYPE_COERCE", "Value is not a valid permission bitfield.")
		}
		if size > maxCommandSize {
			f.add(p, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (8000)")
		}
		counts[typ]++
		list = append(list, parsed{in: in, raw: compactJSON(raw), typ: typ})
	}
	if !f.empty() {
		return f.reply()
	}
	if counts[CommandChatInput] > maxChatInputCommands {
		return errReply(http.StatusBadRequest, CodeMaxApplicationCommands, "Maximum number of application commands reached (100)")
	}
	if counts[CommandUser] > maxContextCommands || counts[CommandMessage] > maxContextCommands {
		return errReply(http.StatusBadRequest, CodeMaxApplicationCommands, "Maximum number of application commands reached (15)")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.commands[scope]
	next := make([]*Command, 0, len(list))
	out := make([]any, 0, len(list))
	for _, p := range list {
		desc := ""
		if p.in.Description != nil {
			desc = *p.in.Description
		}
		perms := ""
		if v, _ := parsePermissionValue(p.in.DefaultMemberPermissions); p.in.DefaultMemberPermissions != nil && !isNull(p.in.DefaultMemberPermissions) {
			perms = formatUint(v)
		}
		var opts json.RawMessage
		if len(p.in.Options) > 0 {
			var raw map[string]json.RawMessage
			_ = json.Unmarshal(p.raw, &raw)
			opts = compactJSON(raw["options"])
		}
		c := &Command{
			ApplicationID: s.opts.ApplicationID, GuildID: scope, Type: p.typ, Name: *p.in.Name,
			Description: desc, Options: opts, DefaultMemberPermissions: perms, Raw: p.raw,
		}
		c.canon = canonicalJSON(map[string]any{
			"type": c.Type, "name": c.Name, "description": c.Description, "options": p.in.Options,
			"perms": perms, "dm": p.in.DMPermission, "nsfw": p.in.NSFW, "contexts": p.in.Contexts,
			"integration_types": p.in.IntegrationTypes, "nl": p.in.NameLocalizations, "dl": p.in.DescriptionLocalizations,
		})
		var prev *Command
		wantID, _, _ := optString(p.in.ID)
		for _, o := range old {
			if (wantID != "" && o.ID == wantID) || (wantID == "" && o.Type == c.Type && o.Name == c.Name) {
				prev = o
				break
			}
		}
		if prev != nil {
			c.ID, c.Version = prev.ID, prev.Version
			if prev.canon != c.canon {
				c.Version = s.ids.next()
			}
		} else {
			c.ID = s.ids.next()
			c.Version = s.ids.next()
		}
		next = append(next, c)
		out = append(out, s.commandJSON(c))
	}
	s.commands[scope] = next
	return jsonReply(http.StatusOK, out)
}
