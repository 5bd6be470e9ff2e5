package slackfake

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestUploadFileV2(t *testing.T) {
	f, api := startFake(t, Options{})
	ch := mustCreate(t, api, "reports")
	data := "postmortem: root cause was DNS"
	tests := []struct {
		name    string
		channel string
		want    string
	}{
		{"shared to a channel", ch.ID, ""},
		{"bot not in channel", "C0SEEDED1", "not_in_channel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sum, err := api.UploadFile(slack.UploadFileParameters{Filename: "pm.txt", Title: "Postmortem",
				Content: data, FileSize: len(data), Channel: tc.channel, InitialComment: "see attached"})
			if tc.want != "" {
				if !strings.Contains(slackCode(err), tc.want) {
					t.Fatalf("err = %v, want %s", err, tc.want)
				}
				return
			}
			if err != nil || sum.Title != "Postmortem" {
				t.Fatalf("UploadFile = %+v, %v", sum, err)
			}
		})
	}
	files := f.Files()
	if len(files) != 2 || string(files[0].Content) != data || !files[0].Complete || files[0].Channels[0] != ch.ID || files[1].Complete {
		t.Fatalf("files = %+v", files)
	}
	msgs := f.Messages(ch.ID)
	last := msgs[len(msgs)-1]
	if last.Text != "see attached" || len(last.Files) != 1 || last.Files[0] != files[0].ID {
		t.Fatalf("share message = %+v", last)
	}
}

func TestLegacyFilesUpload(t *testing.T) {
	f, api := startFake(t, Options{})
	ch := mustCreate(t, api, "legacy")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("channels", ch.ID)
	fw, _ := mw.CreateFormFile("file", "log.txt")
	_, _ = fw.Write([]byte("line 1\n"))
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, f.URL()+"/api/files.upload", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+f.BotToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		OK      bool   `json:"ok"`
		Warning string `json:"warning"`
		File    struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"file"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || !out.OK || out.File.Name != "log.txt" || out.Warning != "method_deprecated" {
		t.Fatalf("files.upload = %+v, %v", out, err)
	}
	if fs := f.Files(); len(fs) != 1 || string(fs[0].Content) != "line 1\n" || fs[0].Channels[0] != ch.ID {
		t.Fatalf("files = %+v", fs)
	}
}
