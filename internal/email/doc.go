// Package email is the SMTP intake: people and tools that cannot use chat or the API
// raise an incident by mailing it. The server accepts mail only for the configured
// recipients and from the allowed sender domains (intake.email), turns the subject
// into the title and the plain-text body into the description, and commits the
// incident before it answers 250, so that a message it accepted is never lost. A
// subject that names an incident ("Re: [#12] ...") adds the body to that incident's
// timeline instead, and a Message-ID seen before never makes a second incident, so
// a sending server that retries after a lost 250 does no harm.
//
// The SMTP protocol itself is github.com/emersion/go-smtp; the MIME decoding is the
// standard library's.
package email
