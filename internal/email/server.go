package email

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"mimbot/mim"
)

const (
	// MaxMessageBytes is the largest mail accepted; larger ones get 552.
	MaxMessageBytes = 1 << 20
	// maxKey bounds a request key made from a Message-ID; longer ones are hashed.
	maxKey = 200
)

// Config is what the intake needs. Service is required; its Config.Intake.Email says
// whom to accept.
type Config struct {
	Service *mim.Service
	Log     *slog.Logger // nil: discard
	// Domain is the name the server greets with; default "mimbot".
	Domain string
	// Timeout bounds the work on one message, store included; default 30s. Past it
	// the sender gets a 451 and tries again later.
	Timeout time.Duration
}

// Server is the SMTP intake of one mim.Service.
type Server struct {
	svc     *mim.Service
	log     *slog.Logger
	timeout time.Duration
	smtp    *smtp.Server
	ctx     context.Context // set by Serve: the work on each message runs under it
	mu      sync.Mutex
	closing bool           // Shutdown began: no new message is taken on
	busy    sync.WaitGroup // messages being committed; Shutdown waits for them
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	s := &Server{svc: cfg.Service, log: cfg.Log, timeout: cfg.Timeout, ctx: context.Background()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.timeout <= 0 {
		s.timeout = 30 * time.Second
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, remote: c.Conn().RemoteAddr().String()}, nil
	}))
	srv.Domain = cmp.Or(cfg.Domain, "mimbot")
	srv.MaxMessageBytes = MaxMessageBytes
	srv.MaxRecipients = 10
	srv.ReadTimeout = 2 * time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = slogPrinter{s.log}
	s.smtp = srv
	return s
}

// Serve accepts connections on ln until Shutdown; ctx bounds the work on each
// message. It returns nil after Shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	err := s.smtp.Serve(ln)
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections, waits (within ctx) for the messages being
// committed, then closes every connection: an idle sender is not waited for, and one
// cut off before its 250 sends again and finds the incident by its Message-ID.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.busy.Wait()
		close(done)
	}()
	cerr := s.smtp.Close()
	if errors.Is(cerr, smtp.ErrServerClosed) {
		cerr = nil
	}
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("email: shutdown: %w", ctx.Err())
	}
	return cerr
}

// enter registers a message about to be committed; false once Shutdown began.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.busy.Add(1)
	return true
}

// baseContext is the context of Serve.
func (s *Server) baseContext() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctx
}

// session is one SMTP conversation: MAIL FROM, RCPT TO and DATA, repeated.
type session struct {
	s      *Server
	remote string
	from   string // the envelope sender, lowercased; "" before MAIL FROM
	rcpts  int
}

func (ss *session) Reset() {
	ss.from, ss.rcpts = "", 0
}

func (ss *session) Logout() error { return nil }

// Mail accepts a sender from an allowed domain only: the domain is what vouches for
// the mail, since anyone can reach an SMTP port.
func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	from = strings.ToLower(strings.TrimSpace(from))
	_, domain, ok := strings.Cut(from, "@")
	allowed := ss.s.svc.Config.Intake.Email.AllowedDomains
	if !ok || !slices.Contains(allowed, domain) {
		ss.s.log.Info("email refused: sender domain not allowed", "from", from, "remote", ss.remote)
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
			Message: fmt.Sprintf("Sender %q is not accepted: mail incidents from an address in %s", from, list(allowed))}
	}
	ss.from = from
	return nil
}

// Rcpt accepts the configured recipients only.
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	to = strings.ToLower(strings.TrimSpace(to))
	accepted := ss.s.svc.Config.Intake.Email.To
	if !slices.Contains(accepted, to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: fmt.Sprintf("No mailbox %q here: send incidents to %s", to, list(accepted))}
	}
	ss.rcpts++
	return nil
}

// Data reads the mail and commits what it says before go-smtp answers 250.
func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se // 552 over MaxMessageBytes
		}
		return fmt.Errorf("email: read message: %w", err)
	}
	msg, err := parseMail(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message: "The message has no readable header: send a plain RFC 5322 mail with a Subject"}
	}
	if !ss.s.enter() {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "mimbot is shutting down; try again later"}
	}
	defer ss.s.busy.Done()
	ctx, cancel := context.WithTimeout(ss.s.baseContext(), ss.s.timeout)
	defer cancel()
	return ss.s.receive(ctx, ss.from, msg)
}

// receive declares the incident a mail raises, or notes a reply on the incident its
// subject names.
func (s *Server) receive(ctx context.Context, from string, msg message) error {
	cfg := s.svc.Config
	by, _ := cfg.Reporter(from)
	if by == "" {
		by = from
	}
	if msg.Incident > 0 {
		text := msg.Body
		if text == "" {
			text = msg.Title
		}
		_, added, err := s.svc.AddReply(ctx, msg.Incident, mim.Reply{By: by, From: from, Ref: msg.MessageID, Text: text})
		if mim.ErrorCode(err) == mim.ENOTFOUND {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 0},
				Message: fmt.Sprintf("There is no incident #%d: remove [#%d] from the subject to raise a new incident", msg.Incident, msg.Incident)}
		}
		if err != nil {
			return s.failed(err, "note e-mail on incident", msg.Incident)
		}
		s.log.Info("email noted on incident", "incident", msg.Incident, "from", from, "added", added)
		return nil
	}
	in := mim.DeclareInput{Title: msg.Title, Description: msg.Body, Impact: cfg.Intake.Email.Impact, Urgency: cfg.Intake.Email.Urgency,
		By: by, From: from, Platform: mim.SourceEmail, Trusted: true}
	if msg.MessageID != "" {
		in.RequestKey = requestKey(msg.MessageID)
	}
	inc, created, err := s.svc.Declare(ctx, in)
	if err != nil {
		return s.failed(err, "declare from e-mail", 0)
	}
	s.log.Info("email declared incident", "incident", inc.Number, "created", created, "from", from, "priority", inc.Priority.String())
	return nil
}

// failed answers an error of the service: a domain error the sender can act on is
// permanent (5xx), anything else is temporary (451) so that the sending server
// tries again later and nothing is lost.
func (s *Server) failed(err error, what string, incident int) error {
	switch mim.ErrorCode(err) {
	case mim.EINVALID, mim.EFORBIDDEN, mim.ENOTFOUND:
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: oneLine(mim.ErrorMessage(err))}
	}
	s.log.Error("email intake failed", "what", what, "incident", incident, "err", err)
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mimbot could not record the message just now; try again later"}
}

// requestKey is the declaration's request key for a Message-ID: the same message sent
// twice finds the same incident.
func requestKey(messageID string) string {
	if len(messageID) <= maxKey {
		return "email:" + messageID
	}
	sum := sha256.Sum256([]byte(messageID))
	return "email:sha256:" + hex.EncodeToString(sum[:])
}

func list(items []string) string {
	if len(items) == 0 {
		return "(none configured)"
	}
	return strings.Join(items, ", ")
}

// slogPrinter routes go-smtp's internal errors (a connection that broke) to slog.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) {
	p.log.Warn("smtp", "msg", fmt.Sprintf(format, v...))
}
func (p slogPrinter) Println(v ...any) { p.log.Warn("smtp", "msg", fmt.Sprint(v...)) }
