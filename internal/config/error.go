package config

import "strings"

// Problem is one thing wrong with a configuration: where and why.
type Problem struct {
	// Key is the dotted YAML path with [i] for list items (towers.database.leads[0]);
	// "" for a problem with the file as a whole, such as a YAML syntax error.
	Key    string
	Reason string
}

func (p Problem) String() string {
	if p.Key == "" {
		return p.Reason
	}
	return p.Key + ": " + p.Reason
}

// Error is an invalid configuration: every problem found, in a stable order.
type Error struct {
	Problems []Problem
}

// Error prints one problem per line as "key: reason".
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
