package main

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

// `mimbot teams manifest` writes the app package for TEAMS_APP_ID; without a valid
// app id it says what is missing and exits 2.
func TestTeamsManifest(t *testing.T) {
	e := newEnv(t)
	code, _, errOut := e.run("", "teams", "manifest")
	if code != exitUsage || !strings.Contains(errOut, "TEAMS_APP_ID") {
		t.Errorf("without TEAMS_APP_ID: exit %d, %q; want 2 and a message naming TEAMS_APP_ID", code, errOut)
	}
	e.vars["TEAMS_APP_ID"] = "0f3a6c1e-2b4d-4e8f-9a01-23456789abcd"
	code, out, errOut := e.run("", "teams", "manifest")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	z, err := zip.NewReader(bytes.NewReader([]byte(out)), int64(len(out)))
	if err != nil {
		t.Fatalf("standard output is no zip: %v", err)
	}
	var names []string
	for _, f := range z.File {
		names = append(names, f.Name)
	}
	if strings.Join(names, " ") != "manifest.json color.png outline.png" {
		t.Errorf("package holds %v", names)
	}
	if code, _, _ := e.run("", "teams", "nonsense"); code != exitUsage {
		t.Errorf("teams nonsense: exit %d, want 2", code)
	}
}
