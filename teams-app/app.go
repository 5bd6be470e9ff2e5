// Package teamsapp is the Microsoft Teams app package of mimbot: the manifest that
// declares the bot (scopes team and personal, the command list Teams suggests) and
// its two icons, zipped for upload with the bot's Microsoft app id filled in
// (`mimbot teams manifest > app.zip`).
package teamsapp

import (
	"archive/zip"
	"bytes"
	"embed"
	"fmt"
	"io"
	"regexp"
	"time"
)

//go:embed manifest.json color.png outline.png
var files embed.FS

// Files are the package's files, in the order they go into the zip.
var Files = []string{"manifest.json", "color.png", "outline.png"}

// appIDPlaceholder stands for the Microsoft app id in manifest.json.
const appIDPlaceholder = "${TEAMS_APP_ID}"

var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Manifest is manifest.json with appID (the bot's Microsoft app id, a GUID) in place.
func Manifest(appID string) ([]byte, error) {
	if !guid.MatchString(appID) {
		return nil, fmt.Errorf("TEAMS_APP_ID %q is not a Microsoft app id (a GUID such as 00000000-0000-0000-0000-000000000000, from the Azure bot registration)", appID)
	}
	b, err := files.ReadFile("manifest.json")
	if err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(b, []byte(appIDPlaceholder), []byte(appID)), nil
}

// Zip writes the app package (manifest.json and the icons at the root, as Teams
// expects) for appID to w.
func Zip(w io.Writer, appID string) error {
	manifest, err := Manifest(appID)
	if err != nil {
		return err
	}
	z := zip.NewWriter(w)
	// A fixed time: the same app id gives the same package, byte for byte.
	stamp := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, name := range Files {
		b := manifest
		if name != "manifest.json" {
			if b, err = files.ReadFile(name); err != nil {
				return err
			}
		}
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: stamp})
		if err != nil {
			return fmt.Errorf("teams app: %w", err)
		}
		if _, err := f.Write(b); err != nil {
			return fmt.Errorf("teams app: %w", err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("teams app: %w", err)
	}
	return nil
}
