package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"mimbot/internal/webhook"
	"mimbot/mim"
	"mimbot/mim/mimtest"
)

func TestPostSaysWhatTheRelayDoesNext(t *testing.T) {
	tests := []struct {
		name     string
		status   int // 0: the server is gone
		attempts int
		url      string // "": the receiver's
		want     string // mim error code, "" for delivered
	}{
		{name: "200", status: http.StatusOK},
		{name: "204", status: http.StatusNoContent},
		{name: "500 is retried", status: http.StatusInternalServerError, attempts: 10, want: mim.EUNAVAILABLE},
		{name: "503 is retried", status: http.StatusServiceUnavailable, attempts: 10, want: mim.EUNAVAILABLE},
		{name: "408 is retried", status: http.StatusRequestTimeout, attempts: 10, want: mim.EUNAVAILABLE},
		{name: "429 is retried", status: http.StatusTooManyRequests, attempts: 10, want: mim.EUNAVAILABLE},
		{name: "404 first try is retried", status: http.StatusNotFound, attempts: 1, want: mim.EUNAVAILABLE},
		{name: "400 second try is retried", status: http.StatusBadRequest, attempts: 2, want: mim.EUNAVAILABLE},
		{name: "400 third try is given up", status: http.StatusBadRequest, attempts: webhook.GiveUpAfter, want: mim.EINVALID},
		{name: "401 later is given up", status: http.StatusUnauthorized, attempts: 7, want: mim.EINVALID},
		{name: "network error is retried", status: 0, attempts: 10, want: mim.EUNAVAILABLE},
		{name: "a webhook no longer configured is given up", status: http.StatusOK, url: "https://gone.example.com/hook", want: mim.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(tt.status) }))
			url := srv.URL + "/in?token=querysecret"
			if tt.status == 0 {
				srv.Close()
			} else {
				defer srv.Close()
			}
			s := webhook.New(webhook.Config{Webhooks: []mim.Webhook{{URL: url, Secret: secret, Events: mim.HookEvents()}}, Clock: mimtest.NewClock(t0)})
			to := url
			if tt.url != "" {
				to = tt.url
			}
			err := s.Post(context.Background(), mim.Outgoing{Platform: mim.WebhookPlatform, Incident: 12, To: mim.ToWebhook, Person: to, Kind: mim.KindUpdate, Text: `{}`, Attempts: tt.attempts})
			if got := mim.ErrorCode(err); (err == nil && tt.want != "") || (err != nil && got != tt.want) {
				t.Fatalf("err %v (code %q): want code %q", err, got, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "querysecret")) {
				t.Errorf("the error shows a secret: %v", err)
			}
		})
	}
}

func TestSignatureIsTheDocumentedHMAC(t *testing.T) {
	// Computed once with: printf '1772445600.{"event":"update"}' | openssl dgst -sha256 -hmac whsec-test-0123456789abcdef
	got := webhook.Signature(secret, 1772445600, []byte(`{"event":"update"}`))
	if want := "sha256=67cfebee42b29a3938a338da97b37d62e34df0eb9cf02d8f17a939eac93c8e55"; got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
	if other := webhook.Signature(secret, 1772445601, []byte(`{"event":"update"}`)); other == got {
		t.Error("the timestamp is not signed")
	}
}
