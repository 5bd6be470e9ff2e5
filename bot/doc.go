// Package bot is mimbot's chat surface, shared by every platform: the command grammar
// (`/incident <verb> [text] [key=value ...]`), the Router that turns a Request into
// calls on mim.Service and a Reply, and the usage text. Adapters (bot/shell,
// bot/slack, bot/discord) only translate platform events into Requests and Replies
// and mim.Outgoing messages into platform messages.
package bot
