// Package llm drafts the narrative of a post-incident summary with a chat model behind
// an OpenAI-compatible API (OpenAI, Azure-style gateways, Ollama, vLLM). It implements
// mim.Summarizer.
//
// One Draft is one chat completion that asks for structured output: a strict JSON
// schema mirroring mim.Draft, where every statement cites the numbers of the timeline
// entries it rests on. The timeline is war-room text written by people, so the prompt
// presents it as data, one entry per line, each entry cut short and the whole prompt
// bounded; when a long incident does not fit, the first and last entries are kept and
// the prompt says how many were left out between them.
//
// Everything is bounded because the summary must not wait on, or be flooded by, a
// misbehaving model: a Draft takes at most Config.Timeout (a single retry included,
// only on 429 or 5xx and only when the server's Retry-After leaves time for it), the
// reply at most Config.MaxTokens tokens and 64 KiB. Failures come back as a short
// sentence a person can read in the summary note ("the LLM did not answer within
// 30s"); the error is also a *mim.Error with that message. The caller still applies
// mim.Draft.Validate to what Draft returns.
//
// Nothing here logs the API key or the prompt.
package llm
