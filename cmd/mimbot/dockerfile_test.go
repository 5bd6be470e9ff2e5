package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The container files are checked by reading them: no container runtime runs where
// the tests run. This file reads a Dockerfile; container_test.go checks it.

// stage is one FROM of a Dockerfile and the instructions under it.
type stage struct {
	from, name string
	instrs     []instr
}

// instr is one instruction: its keyword in upper case and the rest of its line, with
// continuation lines joined.
type instr struct {
	cmd, args string
}

// readDockerfile parses the repository's Dockerfile into its stages.
func readDockerfile(t *testing.T) []stage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var stages []stage
	var line string
	for _, l := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(l)
		if strings.HasPrefix(trimmed, "#") || trimmed == "" && line == "" {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			line += strings.TrimSuffix(trimmed, `\`) + " "
			continue
		}
		line += trimmed
		cmd, args, _ := strings.Cut(strings.TrimSpace(line), " ")
		line = ""
		if cmd == "" {
			continue
		}
		in := instr{strings.ToUpper(cmd), strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			s := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("Dockerfile: %s before the first FROM", in.cmd)
		}
		stages[len(stages)-1].instrs = append(stages[len(stages)-1].instrs, in)
	}
	if len(stages) == 0 {
		t.Fatal("Dockerfile: no FROM")
	}
	return stages
}

// all returns the arguments of every cmd instruction of the stage, in order.
func (s stage) all(cmd string) []string {
	var out []string
	for _, in := range s.instrs {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// last returns the arguments of the stage's last cmd instruction (the one that
// counts for USER, CMD, ENTRYPOINT, HEALTHCHECK), "" when it has none.
func (s stage) last(cmd string) string {
	all := s.all(cmd)
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1]
}

// env returns what the stage's ENV instructions set (KEY=value forms).
func (s stage) env(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, args := range s.all("ENV") {
		for _, w := range shellWords(t, args) {
			k, v, ok := strings.Cut(w, "=")
			if !ok {
				t.Fatalf("Dockerfile: ENV %s: write KEY=value", args)
			}
			out[k] = v
		}
	}
	return out
}

// execForm parses an instruction's JSON (exec) form, such as ["/mimbot", "serve"].
func execForm(t *testing.T, what, args string) []string {
	t.Helper()
	var argv []string
	if err := json.Unmarshal([]byte(args), &argv); err != nil {
		t.Fatalf("Dockerfile: %s %s: want the exec form [\"...\"] (no shell in the image): %v", what, args, err)
	}
	return argv
}

// shellWords splits a simple shell command line into words: single and double quotes
// group, a backslash escapes the next character. A line that needs more of the shell
// (operators, expansions) fails the test: the build line is to be run as it stands.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == '\'':
			w.WriteRune(r)
		case r == '\\' && i+1 < len(rs):
			i++
			w.WriteRune(rs[i])
			inWord = true
		case quote == '"' && (r == '$' || r == '`'):
			t.Fatalf("shell expansion %q in %q: write the build line without it", r, line)
		case quote != 0:
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote = r
			inWord = true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case strings.ContainsRune("&|;<>()$`*?[]{}~", r):
			t.Fatalf("shell operator or expansion %q in %q: write the build line as one plain command", r, line)
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		t.Fatalf("unclosed quote in %q", line)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// repoRoot is the module's root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root %s: %v", root, err)
	}
	return root
}
